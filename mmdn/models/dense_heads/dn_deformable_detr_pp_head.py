"""The head of DN-Deformable-DETR(++): Deformable DETR's head plus the DN losses."""
from mmdet.models.dense_heads import DeformableDETRHead
from mmdet.registry import MODELS
from .dn_head_mixin import DNHeadMixin


@MODELS.register_module()
class DNDeformableDETRPPHead(DNHeadMixin, DeformableDETRHead):
    """Deformable DETR's head (box refinement from each layer's anchors); in training the
    decoder outputs are split by ``dn_meta``.

    The matching part keeps Deformable DETR's Hungarian losses; the denoising part's
    losses are :class:`DNHeadMixin`'s.
    """
