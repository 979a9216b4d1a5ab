from .load_fitting_weights_hook import LoadFittingWeightsHook, load_fitting_weights
from .matching_instability_hook import MatchingInstabilityHook, instability

__all__ = ['LoadFittingWeightsHook', 'load_fitting_weights', 'MatchingInstabilityHook',
           'instability']
