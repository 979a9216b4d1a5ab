"""DINO with DN-DETR's denoising instead of its contrastive denoising (Table 3)."""
from torch import Tensor

from mmdet.registry import MODELS
from mmdet.structures import OptSampleList
from .dino_without_dn import DINOWithoutDN
from .dn_detector_mixin import DNDetectorMixin


@MODELS.register_module()
class DNDINO(DNDetectorMixin, DINOWithoutDN):
    """DINO whose denoising part is :class:`DnQueryGenerator`'s: P groups of noised
    ground truth (no negatives), the mask of Eq. 7, DN-DETR's reconstruction losses.

    The matching queries keep DINO's learnt content and selected anchors; the
    denoising queries' content is the label embedding (D - 1) plus the indicator, and
    their anchors the noised boxes. Use it with :class:`DNDINOHead`.
    """

    #: The selected anchors, (bs, L, 4) after sigmoid.
    anchor_key = 'reference_points'

    def matching_content(self, query: Tensor, batch_data_samples: OptSampleList) -> Tensor:
        """DINO's learnt content, as it is (no 'unknown' label)."""
        return query

    def dn_anchors(self, dn_boxes: Tensor) -> Tensor:
        """The noised boxes after sigmoid, (bs, P*M, 4)."""
        return dn_boxes.sigmoid()
