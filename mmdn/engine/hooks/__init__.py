from .matching_instability_hook import MatchingInstabilityHook, instability

__all__ = ['MatchingInstabilityHook', 'instability']
