"""SAM-DETR++: semantic-aligned matching on a feature pyramid (Table 3's baseline)."""
from typing import Dict, List, Optional, Tuple

import torch
from torch import Tensor, nn

from mmdet.models.detectors import DeformableDETR
from mmdet.models.layers import DeformableDetrTransformerEncoder, SinePositionalEncoding
from mmdet.registry import MODELS
from mmdet.structures import OptSampleList
from ..layers import SamDetrTransformerDecoder
from .dab_deformable_detr_pp import DABDeformableDETRPP


@MODELS.register_module()
class SAMDETRPP(DABDeformableDETRPP):
    """SAM-DETR++ (Zhang et al., arXiv 2207.14172), as the official multi-scale SAM-DETR
    with SMCA (github ZhangGongjie/SAM-DETR, ``--multiscale --smca``).

    A 3-level pyramid (C3-C5, each projected with GroupNorm) is encoded by Deformable
    DETR's encoder; the decoder (:class:`SamDetrTransformerDecoder`) reads it coarse to
    fine, its queries' content re-sampled by the Semantic Aligner inside their reference
    boxes, which start from ``query_embedding`` (Q, 4, before sigmoid; content zero) and
    are refined by the head's box branch of each layer. The head is Deformable DETR's with
    one branch a layer (:class:`SAMDETRHead`). Initialised as the official code: Xavier
    for the transformer, mmcv's init for deformable attention, N(0, 1) for the reference
    boxes and the level embedding (shared with :class:`DABDeformableDETRPP`).
    """

    def _init_layers(self) -> None:
        """Deformable DETR's encoder, SAM-DETR++'s decoder, reference boxes, levels."""
        self.positional_encoding = SinePositionalEncoding(**self.positional_encoding)
        self.encoder = DeformableDetrTransformerEncoder(**self.encoder)
        self.decoder = SamDetrTransformerDecoder(num_levels=self.num_feature_levels,
                                                 **self.decoder)
        self.embed_dims = self.encoder.embed_dims
        if self.positional_encoding.num_feats * 2 != self.embed_dims:
            raise ValueError(f'positional_encoding.num_feats must be embed_dims / 2 = '
                             f'{self.embed_dims // 2}')
        self.query_embedding = nn.Embedding(self.num_queries, 4)
        self.level_embed = nn.Parameter(torch.Tensor(self.num_feature_levels, self.embed_dims))

    def pre_transformer(self, mlvl_feats: Tuple[Tensor],
                        batch_data_samples: OptSampleList = None) -> Tuple[Dict, Dict]:
        """Deformable DETR's encoder inputs; the decoder also gets the memory's positional
        (and level) embedding and each level's (h, w).

        Returns:
            tuple[dict, dict]: encoder inputs; decoder inputs ``memory_mask`` (bs, N) or
            None, ``memory_pos`` (bs, N, D), ``valid_ratios`` (bs, levels, 2),
            ``level_shapes``.
        """
        encoder_inputs_dict, decoder_inputs_dict = DeformableDETR.pre_transformer(
            self, mlvl_feats, batch_data_samples)
        return encoder_inputs_dict, dict(
            memory_mask=decoder_inputs_dict['memory_mask'],
            memory_pos=encoder_inputs_dict['feat_pos'],
            valid_ratios=decoder_inputs_dict['valid_ratios'],
            level_shapes=[tuple(feat.shape[-2:]) for feat in mlvl_feats])

    def pre_decoder(self, memory: Tensor, memory_mask: Optional[Tensor],
                    spatial_shapes: Tensor) -> Tuple[Dict, Dict]:
        """Zero content and the learnt reference boxes.

        Returns:
            tuple[dict, dict]: decoder inputs ``query`` (bs, Q, D), ``query_pos``
            (bs, Q, 4) before sigmoid and ``memory``; head inputs (empty two-stage
            outputs in training).
        """
        bs = memory.size(0)
        query_pos = self.query_embedding.weight.expand(bs, -1, -1)
        query = memory.new_zeros(bs, self.num_queries, self.embed_dims)
        head_inputs_dict = dict(enc_outputs_class=None,
                                enc_outputs_coord=None) if self.training else dict()
        return dict(query=query, query_pos=query_pos, memory=memory), head_inputs_dict

    def forward_decoder(self, query: Tensor, query_pos: Tensor, memory: Tensor,
                        memory_mask: Optional[Tensor], memory_pos: Tensor,
                        valid_ratios: Tensor, level_shapes: List[Tuple[int, int]],
                        self_attn_mask: Optional[Tensor] = None) -> Dict:
        """The decoder on the memory split back into levels.

        Returns:
            dict: ``hidden_states`` (num_layers, bs, W, D) and ``references``, the
            reference boxes each layer read, (bs, W, 4) after sigmoid.
        """
        sizes = [h * w for h, w in level_shapes]
        masks = [None] * len(sizes) if memory_mask is None else memory_mask.split(sizes, 1)
        hidden_states, references = self.decoder(
            query, query_pos, memory.split(sizes, 1), memory_pos.split(sizes, 1), masks,
            level_shapes, valid_ratios, self.bbox_head.reg_branches, self_attn_mask)
        return dict(hidden_states=hidden_states, references=references)
