"""The head of DN-Conditional-DETR."""
from mmdet.models.dense_heads import ConditionalDETRHead
from mmdet.registry import MODELS
from .dn_head_mixin import DNHeadMixin


@MODELS.register_module()
class DNConditionalDETRHead(DNHeadMixin, ConditionalDETRHead):
    """mmdet's Conditional DETR head; in training the decoder outputs are split by
    ``dn_meta``: Hungarian losses on the matching part, reconstruction losses on the
    denoising part, predictions from the matching queries (references are the (bs, W,
    2) reference points)."""
