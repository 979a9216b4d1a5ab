"""DN-Vanilla-DETR: DETR trained with query denoising (paper §4.7.2)."""
from torch import Tensor, nn

from mmdet.models.detectors import DETR
from mmdet.registry import MODELS
from .dn_detector_mixin import DNDetectorMixin
from .masked_decoders import MaskedDETRDecoderMixin


@MODELS.register_module()
class DNDETR(DNDetectorMixin, MaskedDETRDecoderMixin, DETR):
    """DETR, whose positional queries are not boxes, with the denoising part of §4.7.2.

    A denoising query's content is its (noised) label embedding plus the indicator, and
    its positional query a linear embedding (``box_embedding``, 4 -> D) of its noised
    box; the decoder adds the two in every attention, as DETR does with its queries. The
    matching queries keep DETR's learnt positional queries, with the 'unknown' label as
    content ("the content query part is the same as DAB-DETR"). The paper leaves the box
    embedding's input open: here the normalised (cx, cy, w, h) box.

    Args:
        dn_cfg (dict): the :class:`DnQueryGenerator` config (see
            :class:`DNDetectorMixin`).
    """

    def _init_layers(self) -> None:
        """DETR's layers plus the linear box embedding of the denoising queries."""
        super()._init_layers()
        self.box_embedding = nn.Linear(4, self.embed_dims)

    def dn_anchors(self, dn_boxes: Tensor) -> Tensor:
        """The positional queries of the denoising part: the box embedding of the
        noised boxes, (bs, P*M, 4) before sigmoid -> (bs, P*M, D)."""
        return self.box_embedding(dn_boxes.sigmoid())
