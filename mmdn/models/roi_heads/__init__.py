from .dn_standard_roi_head import DNStandardRoIHead

__all__ = ['DNStandardRoIHead']
