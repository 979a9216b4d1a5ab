"""The head of Anchor DETR."""
from torch import nn

from mmdet.models.dense_heads import DABDETRHead
from mmdet.registry import MODELS


@MODELS.register_module()
class AnchorDETRHead(DABDETRHead):
    """DAB-DETR's head on 2-D anchor points: one class and one box branch shared by all
    decoder layers, the box branch's (dx, dy) added to the point before sigmoid.

    Initialised as the official code: box width and height start at sigmoid(-2). The
    point's logit is taken with DAB-DETR's clamp (eps 1e-3; the official code's is 1e-5),
    which differs only for points within 1e-3 of the image border.
    """

    def init_weights(self) -> None:
        """DAB-DETR's initialisation, then the box branch's (w, h) bias at -2."""
        super().init_weights()
        nn.init.constant_(self.fc_reg.layers[-1].bias[2:], -2.0)
