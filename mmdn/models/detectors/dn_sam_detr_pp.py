"""DN-SAM-DETR++: SAM-DETR++ trained with query denoising (Table 3)."""
from mmdet.registry import MODELS
from .dn_detector_mixin import DNDetectorMixin
from .sam_detr_pp import SAMDETRPP


@MODELS.register_module()
class DNSAMDETRPP(DNDetectorMixin, SAMDETRPP):
    """SAM-DETR++ whose decoder also reconstructs noised ground truth in training.

    The noised boxes are the denoising queries' reference boxes: the Semantic Aligner
    samples their content inside them, as it does for the matching queries. Their
    initial content is the noised label's embedding with indicator 1, and the matching
    queries' the 'unknown' label with indicator 0 (as DN-DAB-DETR's; SAM-DETR++'s own
    initial content is zero). P groups before the Q matching queries under the mask of
    Eq. 7 in self-attention. The contract's default hooks fit: reference boxes
    ``query_pos`` before sigmoid. The paper gives only the result (44.8 AP); this
    follows its §4 and DN-DAB-DETR.
    """
