"""The head of DN-DINO: DINO's head plus DN-DETR's reconstruction losses."""
from mmdet.registry import MODELS
from .dino_head_without_dn import DINOHeadWithoutDN
from .dn_head_mixin import DNHeadMixin


@MODELS.register_module()
class DNDINOHead(DNHeadMixin, DINOHeadWithoutDN):
    """DINO's matching and encoder losses (:meth:`DINOHeadWithoutDN.loss_by_feat`); the
    denoising part's are :class:`DNHeadMixin`'s."""
