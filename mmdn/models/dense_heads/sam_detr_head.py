"""The head of SAM-DETR++."""
from mmdet.models.dense_heads import DeformableDETRHead
from mmdet.registry import MODELS


@MODELS.register_module()
class SAMDETRHead(DeformableDETRHead):
    """Deformable DETR's head with one class and one box branch a decoder layer, each box
    branch refining the reference box its layer read. Initialised as the official
    SAM-DETR: every box branch's last layer at zero (Deformable DETR starts the first
    layer's width and height at -2)."""

    def init_weights(self) -> None:
        """Deformable DETR's initialisation, then the first box branch's (w, h) bias at 0."""
        super().init_weights()
        self.reg_branches[0][-1].bias.data[2:].zero_()
