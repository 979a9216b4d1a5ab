"""The head of DN-SAM-DETR++."""
from mmdet.registry import MODELS
from .dn_head_mixin import DNHeadMixin
from .sam_detr_head import SAMDETRHead


@MODELS.register_module()
class DNSAMDETRHead(DNHeadMixin, SAMDETRHead):
    """SAM-DETR++'s head; the denoising part's losses are :class:`DNHeadMixin`'s."""
