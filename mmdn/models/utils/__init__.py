from .host_tensor import host_tensor

__all__ = ['host_tensor']
