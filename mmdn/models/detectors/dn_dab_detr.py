"""DN-DAB-DETR: DAB-DETR trained with query denoising (paper §4, Eqs. 3-4)."""
from mmdet.models.detectors import DABDETR
from mmdet.registry import MODELS
from .dn_detector_mixin import DNDetectorMixin
from .masked_decoders import MaskedDABDecoderMixin


@MODELS.register_module()
class DNDABDETR(DNDetectorMixin, MaskedDABDecoderMixin, DABDETR):
    """DAB-DETR whose decoder also reconstructs noised ground truth in training.

    The decoder embedding is the label embedding of :class:`DnQueryGenerator`
    (§4.5): every matching query's content is the 'unknown' class with indicator 0
    (plus its pattern embedding when ``num_patterns > 0``, as in the official code).
    In training the P denoising groups are put before the L matching queries
    (``o = D(q, Q, F | A)``, Eq. 4) under the attention mask of Eq. 7; in evaluation
    the decoder sees the matching queries only, so inference costs what DAB-DETR costs.
    The contract's default hooks fit as they are: anchors ``query_pos`` (bs, L, 4)
    before sigmoid, the noised boxes taken as they come.

    Args:
        dn_cfg (dict): the :class:`DnQueryGenerator` config (see
            :class:`DNDetectorMixin`).
    """
