from .resnet_torchvision_dilation import ResNetTorchvisionDilation

__all__ = ['ResNetTorchvisionDilation']
