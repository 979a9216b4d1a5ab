"""DN-Anchor-DETR: Anchor DETR trained with query denoising on its 2-D anchors (§4.7.1)."""
from torch import Tensor

from mmdet.registry import MODELS
from .anchor_detr import AnchorDETR
from .dn_detector_mixin import DNDetectorMixin


@MODELS.register_module()
class DNAnchorDETR(DNDetectorMixin, AnchorDETR):
    """Anchor DETR whose decoder also reconstructs noised ground truth in training.

    As the paper (§4.7.1) the denoising anchors are 2-D points: the centres of the
    noised boxes, so only the centre shift of the box noise acts (the configs set the
    scale noise λ2 to 0 to say so); the labels are flipped with ratio γ and embedded
    with the indicator 1. Each matching query's content is its pattern plus the
    'unknown' class with indicator 0, as DN-DAB-DETR's (the official DN code has no
    Anchor DETR; this follows its DAB-DETR). The P denoising groups precede the L
    matching queries under the mask of Eq. 7; evaluation is Anchor DETR's.

    Args:
        dn_cfg (dict): the :class:`DnQueryGenerator` config (see
            :class:`DNDetectorMixin`).
    """

    #: The anchor points, (bs, L, 2) in [0, 1].
    anchor_key = 'anchors'

    def dn_anchors(self, dn_boxes: Tensor) -> Tensor:
        """The denoising anchors: the noised boxes' centres, (bs, P*M, 2) in [0, 1]."""
        return dn_boxes[..., :2].sigmoid()
