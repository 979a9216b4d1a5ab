"""DINO without denoising: Table 3's "DINO-R50 w/o DN", the baseline of DN-DINO."""
from typing import Dict, Tuple

import torch
from torch import Tensor

from mmdet.models.detectors import DINO, DeformableDETR
from mmdet.registry import MODELS
from mmdet.structures import OptSampleList
from .masked_decoders import MaskedDeformableDecoderMixin


@MODELS.register_module()
class DINOWithoutDN(MaskedDeformableDecoderMixin, DINO):
    """mmdet's DINO (two-stage mixed query selection, look-forward-twice box refinement)
    with no denoising part at all.

    DINO's ``__init__`` builds its contrastive generator and its ``pre_decoder`` calls
    it; here the query selection is :meth:`select_queries` and ``pre_decoder`` adds
    nothing to it, so that a denoising variant (:class:`DNDINO`) only adds its part.
    Use it with :class:`DINOHeadWithoutDN`. Its decoder pass is
    :class:`MaskedDeformableDecoderMixin`'s (mmdet's, under ``self_attn_mask``).
    """

    decoder_returns_first_references = True

    def __init__(self, *args, **kwargs) -> None:
        # Not DINO.__init__: it always builds its contrastive generator from a dn_cfg.
        DeformableDETR.__init__(self, *args, **kwargs)
        if not (self.as_two_stage and self.with_box_refine):
            raise ValueError(f'{type(self).__name__} needs as_two_stage=True and '
                             'with_box_refine=True, as DINO')

    def select_queries(self, memory: Tensor, memory_mask: Tensor,
                       spatial_shapes: Tensor) -> Tuple[Tensor, Tensor, Dict]:
        """DINO's mixed query selection: learnt content, anchors from the top-k
        encoder proposals.

        Returns:
            tuple: ``query`` (bs, L, D), ``anchors`` (bs, L, 4) before sigmoid
            (detached), and the head inputs ``enc_outputs_class`` (bs, L, C) and
            ``enc_outputs_coord`` (bs, L, 4) in training (empty otherwise).
        """
        batch_size = memory.size(0)
        proposal_layer = self.decoder.num_layers
        output_memory, output_proposals = self.gen_encoder_output_proposals(
            memory, memory_mask, spatial_shapes)
        enc_outputs_class = self.bbox_head.cls_branches[proposal_layer](output_memory)
        enc_outputs_coord_unact = self.bbox_head.reg_branches[proposal_layer](
            output_memory) + output_proposals
        # Top-k by the best class score (Deformable DETR ranks by class 0 alone).
        topk_indices = torch.topk(enc_outputs_class.max(-1)[0], k=self.num_queries,
                                  dim=1)[1]
        topk_score = enc_outputs_class.gather(
            1, topk_indices[..., None].expand(-1, -1, enc_outputs_class.size(-1)))
        topk_coords_unact = enc_outputs_coord_unact.gather(
            1, topk_indices[..., None].expand(-1, -1, 4))
        head_inputs_dict = dict(enc_outputs_class=topk_score,
                                enc_outputs_coord=topk_coords_unact.sigmoid()
                                ) if self.training else dict()
        query = self.query_embedding.weight.expand(batch_size, -1, -1)
        return query, topk_coords_unact.detach(), head_inputs_dict

    def pre_decoder(self, memory: Tensor, memory_mask: Tensor, spatial_shapes: Tensor,
                    batch_data_samples: OptSampleList = None) -> Tuple[Dict, Dict]:
        """The selected queries.

        Returns:
            tuple[dict, dict]: decoder inputs ``query`` (bs, L, D), ``memory`` and
            ``reference_points`` (bs, L, 4) sigmoid anchors; head inputs.
        """
        query, anchors, head_inputs_dict = self.select_queries(memory, memory_mask,
                                                               spatial_shapes)
        return dict(query=query, memory=memory,
                    reference_points=anchors.sigmoid()), head_inputs_dict
