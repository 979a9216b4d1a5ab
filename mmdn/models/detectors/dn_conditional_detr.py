"""DN-Conditional-DETR: mmdet's Conditional DETR trained with query denoising (§4)."""
from typing import Dict

from torch import Tensor, nn

from mmdet.models.detectors import ConditionalDETR
from mmdet.registry import MODELS
from .dn_detector_mixin import DNDetectorMixin
from .masked_decoders import MaskedConditionalDecoderMixin


@MODELS.register_module()
class DNConditionalDETR(DNDetectorMixin, MaskedConditionalDecoderMixin, ConditionalDETR):
    """mmdet's :class:`ConditionalDETR` with the denoising part of §4.

    A denoising query's content is its noised label embedding plus the indicator; its
    reference point is its noised box centre, and its positional query a linear
    embedding of its noised box (as DN-Vanilla-DETR's, §4.7.2: Conditional DETR's
    positional queries are not boxes). The matching queries keep Conditional DETR's
    learnt positional queries and their reference points, with the 'unknown' label as
    content (Conditional DETR's is zero). Use it with :class:`DNConditionalDETRHead`.

    Args:
        dn_cfg (dict): the :class:`DnQueryGenerator` config (see
            :class:`DNDetectorMixin`).
    """

    def _init_layers(self) -> None:
        """Conditional DETR's layers plus the linear box embedding (4 -> D)."""
        super()._init_layers()
        self.box_embedding = nn.Linear(4, self.embed_dims)

    def dn_decoder_inputs(self, dn_boxes: Tensor) -> Dict[str, Tensor]:
        """From the noised boxes (bs, P*M, 4) before sigmoid: ``query_pos`` (bs, P*M, D)
        and ``reference_unsigmoid`` (bs, P*M, 2), the centres before sigmoid."""
        return dict(query_pos=self.box_embedding(dn_boxes.sigmoid()),
                    reference_unsigmoid=dn_boxes[..., :2])
