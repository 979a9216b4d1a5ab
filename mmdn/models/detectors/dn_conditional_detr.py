"""DN-Conditional-DETR: mmdet's Conditional DETR trained with query denoising (§4)."""
from typing import Dict

from torch import Tensor

from mmdet.models.detectors import ConditionalDETR
from mmdet.registry import MODELS
from .dn_box_embedding import DNBoxEmbeddingMixin
from .dn_detector_mixin import DNDetectorMixin
from .masked_decoders import MaskedConditionalDecoderMixin


@MODELS.register_module()
class DNConditionalDETR(DNBoxEmbeddingMixin, DNDetectorMixin, MaskedConditionalDecoderMixin,
                        ConditionalDETR):
    """mmdet's :class:`ConditionalDETR` with the denoising part of §4.

    A denoising query's content is its noised label embedding plus the indicator; its
    reference point is its noised box centre, and its positional query a linear
    embedding of its noised box (:class:`DNBoxEmbeddingMixin`, as DN-Vanilla-DETR's:
    Conditional DETR's positional queries are not boxes). The matching queries keep
    Conditional DETR's learnt positional queries and their reference points, with the
    'unknown' label as content (Conditional DETR's is zero). Use it with
    :class:`DNConditionalDETRHead`.

    Args:
        dn_cfg (dict): the :class:`DnQueryGenerator` config (see
            :class:`DNDetectorMixin`).
    """

    def dn_decoder_inputs(self, dn_boxes: Tensor) -> Dict[str, Tensor]:
        """From the noised boxes (bs, P*M, 4) before sigmoid: ``query_pos`` (bs, P*M, D)
        and ``reference_unsigmoid`` (bs, P*M, 2), the centres before sigmoid."""
        return dict(query_pos=self.dn_anchors(dn_boxes),
                    reference_unsigmoid=dn_boxes[..., :2])
