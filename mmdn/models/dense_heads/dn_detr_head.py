"""The head of DN-Vanilla-DETR: DETR's head plus the denoising reconstruction losses."""
import copy

from mmdet.models.dense_heads import DETRHead
from mmdet.registry import MODELS
from mmdet.utils import ConfigType
from .dn_head_mixin import DNHeadMixin


@MODELS.register_module()
class DNDETRHead(DNHeadMixin, DETRHead):
    """DETR's head (softmax classification with a background class); in training the
    decoder outputs are split by ``dn_meta``.

    The matching part keeps DETR's Hungarian losses; the denoising part's losses are
    :class:`DNHeadMixin`'s, through the head's own cross-entropy module.
    """

    def __init__(self, *args, num_classes: int, loss_cls: ConfigType, **kwargs) -> None:
        # DETRHead turns a float class_weight and bg_cls_weight into per-class weights of
        # the cross entropy only when its class is exactly DETRHead; the same here.
        loss_cls = copy.deepcopy(dict(loss_cls))
        bg_cls_weight = loss_cls.pop('bg_cls_weight', None)
        class_weight = loss_cls.get('class_weight')
        if isinstance(class_weight, float):
            background = class_weight if bg_cls_weight is None else bg_cls_weight
            loss_cls['class_weight'] = [class_weight] * num_classes + [background]
        super().__init__(*args, num_classes=num_classes, loss_cls=loss_cls, **kwargs)
        if isinstance(class_weight, float):
            self.bg_cls_weight = background
