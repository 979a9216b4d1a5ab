from .host_tensor import host_tensor
from .official_inverse_sigmoid import OFFICIAL_EPS, official_inverse_sigmoid

__all__ = ['OFFICIAL_EPS', 'host_tensor', 'official_inverse_sigmoid']
