from .load_fitting_weights_hook import LoadFittingWeightsHook, load_fitting_weights
from .main_process_logger_hook import MainProcessLoggerHook
from .matching_instability_hook import MatchingInstabilityHook, instability
from .validate_resumed_epoch_hook import ValidateResumedEpochHook

__all__ = ['LoadFittingWeightsHook', 'load_fitting_weights', 'MainProcessLoggerHook',
           'MatchingInstabilityHook', 'instability', 'ValidateResumedEpochHook']
