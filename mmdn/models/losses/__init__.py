from .reconstruction_loss import reconstruction_losses

__all__ = ['reconstruction_losses']
