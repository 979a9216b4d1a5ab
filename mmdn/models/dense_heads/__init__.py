from .dn_dab_detr_head import DNDABDETRHead

__all__ = ['DNDABDETRHead']
