from .dn_dab_detr import DNDABDETR

__all__ = ['DNDABDETR']
