"""The head of DN-DAB-DETR: DAB-DETR's head plus the denoising reconstruction losses."""
from mmdet.models.dense_heads import DABDETRHead
from mmdet.registry import MODELS
from .dn_head_mixin import DNHeadMixin


@MODELS.register_module()
class DNDABDETRHead(DNHeadMixin, DABDETRHead):
    """DAB-DETR's head; in training the decoder outputs are split by ``dn_meta``.

    The matching part keeps DAB-DETR's Hungarian losses; the denoising part's losses
    are :class:`DNHeadMixin`'s; predictions come from the matching queries.
    """
