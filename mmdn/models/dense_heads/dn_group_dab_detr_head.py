"""The head of DN-Group-DAB-DETR."""
from mmdet.registry import MODELS
from .dn_head_mixin import DNHeadMixin
from .group_dab_detr_head import GroupDABDETRHead


@MODELS.register_module()
class DNGroupDABDETRHead(DNHeadMixin, GroupDABDETRHead):
    """Group-DAB-DETR's per-group losses on the matching part; the denoising part's are
    :class:`DNHeadMixin`'s."""
