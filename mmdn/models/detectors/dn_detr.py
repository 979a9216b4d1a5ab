"""DN-Vanilla-DETR: DETR trained with query denoising (paper §4.7.2)."""
from mmdet.models.detectors import DETR
from mmdet.registry import MODELS
from .dn_box_embedding import DNBoxEmbeddingMixin
from .dn_detector_mixin import DNDetectorMixin
from .masked_decoders import MaskedDETRDecoderMixin


@MODELS.register_module()
class DNDETR(DNBoxEmbeddingMixin, DNDetectorMixin, MaskedDETRDecoderMixin, DETR):
    """DETR, whose positional queries are not boxes, with the denoising part of §4.7.2.

    A denoising query's content is its (noised) label embedding plus the indicator, and
    its positional query a linear embedding of its noised box
    (:class:`DNBoxEmbeddingMixin`); the decoder adds the two in every attention, as
    DETR does with its queries. The matching queries keep DETR's learnt positional
    queries, with the 'unknown' label as content ("the content query part is the same as
    DAB-DETR").

    Args:
        dn_cfg (dict): the :class:`DnQueryGenerator` config (see
            :class:`DNDetectorMixin`).
    """
