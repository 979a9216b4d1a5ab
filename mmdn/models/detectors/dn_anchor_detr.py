"""DN-Anchor-DETR: Anchor DETR trained with query denoising on its 2-D anchors (§4.7.1)."""
from typing import Dict, Tuple

from torch import Tensor

from mmdet.registry import MODELS
from mmdet.structures import OptSampleList
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

    @property
    def num_matching_queries(self) -> int:
        """L: every anchor point once per pattern."""
        return self.num_queries * self.num_patterns

    def pre_decoder(self, memory: Tensor,
                    batch_data_samples: OptSampleList = None) -> Tuple[Dict, Dict]:
        """Decoder queries: [denoising part (training only), matching part].

        Returns:
            tuple[dict, dict]: decoder inputs ``query`` (bs, W, D), ``anchors``
            (bs, W, 2) in [0, 1], ``memory`` and ``self_attn_mask`` (W, W) of Eq. 7
            (additive) or None, with W = P*M + L in training and L otherwise; head
            inputs, with ``dn_meta`` in training.
        """
        decoder_inputs_dict, head_inputs_dict = super().pre_decoder(memory)
        query = decoder_inputs_dict['query'] + self.matching_label_content(batch_data_samples)
        query, anchors, attn_mask = self.prepend_dn_part(
            batch_data_samples, query, decoder_inputs_dict['anchors'], head_inputs_dict,
            embed_anchors=lambda boxes: boxes[..., :2].sigmoid())
        decoder_inputs_dict.update(query=query, anchors=anchors, self_attn_mask=attn_mask)
        return decoder_inputs_dict, head_inputs_dict
