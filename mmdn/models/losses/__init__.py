from .point_mask_loss import point_mask_losses
from .reconstruction_loss import reconstruction_losses

__all__ = ['point_mask_losses', 'reconstruction_losses']
