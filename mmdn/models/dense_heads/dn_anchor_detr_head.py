"""The head of DN-Anchor-DETR."""
from mmdet.registry import MODELS
from .anchor_detr_head import AnchorDETRHead
from .dn_dab_detr_head import DNDABDETRHead


@MODELS.register_module()
class DNAnchorDETRHead(DNDABDETRHead, AnchorDETRHead):
    """Anchor DETR's head with DN-DAB-DETR's split of the decoder outputs: Hungarian
    losses on the matching part, reconstruction losses on the denoising part, and
    predictions from the matching queries only (references are 2-D points)."""
