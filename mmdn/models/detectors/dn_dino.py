"""DINO with DN-DETR's denoising instead of its contrastive denoising (Table 3)."""
from typing import Dict, Tuple

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

    def pre_decoder(self, memory: Tensor, memory_mask: Tensor, spatial_shapes: Tensor,
                    batch_data_samples: OptSampleList = None) -> Tuple[Dict, Dict]:
        """Decoder queries: [denoising part (training only), selected queries].

        Returns:
            tuple[dict, dict]: decoder inputs ``query`` (bs, W, D), ``memory``,
            ``reference_points`` (bs, W, 4) sigmoid anchors and ``self_attn_mask``
            (W, W), Eq. 7 as 0 / -inf, or None; head inputs, with ``dn_meta`` in
            training.
        """
        query, anchors, head_inputs_dict = self.select_queries(memory, memory_mask,
                                                               spatial_shapes)
        query, anchors, attn_mask = self.prepend_dn_part(batch_data_samples, query, anchors,
                                                         head_inputs_dict)
        return dict(query=query, memory=memory, reference_points=anchors.sigmoid(),
                    self_attn_mask=attn_mask), head_inputs_dict
