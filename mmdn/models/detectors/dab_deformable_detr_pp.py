"""DAB-Deformable-DETR++: Deformable DETR with DAB-DETR's 4-D anchor queries in a
deformable decoder (the baseline of DN-Deformable-DETR++, paper §4.6)."""
from typing import Dict, Tuple

import torch
from mmcv.cnn.bricks.transformer import MultiScaleDeformableAttention
from torch import Tensor, nn
from torch.nn.init import normal_

from mmdet.models.detectors import DeformableDETR
from mmdet.models.detectors.base_detr import DetectionTransformer
from mmdet.models.layers import DeformableDetrTransformerEncoder, SinePositionalEncoding
from mmdet.registry import MODELS
from ..layers import DABDeformablePPTransformerDecoder
from .masked_decoders import MaskedDeformableDecoderMixin


@MODELS.register_module()
class DABDeformableDETRPP(MaskedDeformableDecoderMixin, DeformableDETR):
    """Deformable DETR whose queries are a learnt content and a learnt 4-D anchor box.

    As the official DAB-Deformable-DETR (IDEA-Research/DN-DETR,
    ``models/dn_dab_deformable_detr``): 4-scale deformable encoder, decoder of
    :class:`DABDeformablePPTransformerDecoder` with iterative box refinement, queries
    ``query_embedding`` (L, D) and ``anchor_embedding`` (L, 4, before sigmoid), no
    two-stage proposals.
    """

    def __init__(self, *args, with_box_refine: bool = True, as_two_stage: bool = False,
                 **kwargs) -> None:
        if not with_box_refine or as_two_stage:
            raise ValueError(f'{type(self).__name__} needs with_box_refine=True and '
                             'as_two_stage=False (its anchors are refined layer by layer)')
        super().__init__(*args, with_box_refine=True, as_two_stage=False, **kwargs)

    def _init_layers(self) -> None:
        """Deformable DETR's encoder, the DAB deformable decoder, content and anchors."""
        self.positional_encoding = SinePositionalEncoding(**self.positional_encoding)
        self.encoder = DeformableDetrTransformerEncoder(**self.encoder)
        self.decoder = DABDeformablePPTransformerDecoder(**self.decoder)
        self.embed_dims = self.encoder.embed_dims
        if self.positional_encoding.num_feats * 2 != self.embed_dims:
            raise ValueError(f'positional_encoding.num_feats must be embed_dims / 2 = '
                             f'{self.embed_dims // 2}')
        self.query_embedding = nn.Embedding(self.num_queries, self.embed_dims)
        self.anchor_embedding = nn.Embedding(self.num_queries, 4)
        self.level_embed = nn.Parameter(torch.Tensor(self.num_feature_levels, self.embed_dims))

    def init_weights(self) -> None:
        """Xavier for the transformer, mmcv's init for deformable attention, as the
        official code; content and anchors (before sigmoid) keep N(0, 1)."""
        # Not DeformableDETR.init_weights: it initialises a reference_points layer, which
        # the 4-D anchors replace here.
        DetectionTransformer.init_weights(self)
        for coder in self.encoder, self.decoder:
            for p in coder.parameters():
                if p.dim() > 1:
                    nn.init.xavier_uniform_(p)
        for m in self.modules():
            if isinstance(m, MultiScaleDeformableAttention):
                m.init_weights()
        normal_(self.level_embed)

    def pre_decoder(self, memory: Tensor, memory_mask: Tensor,
                    spatial_shapes: Tensor) -> Tuple[Dict, Dict]:
        """The learnt queries, expanded to the batch.

        Returns:
            tuple[dict, dict]: decoder inputs ``query`` (bs, L, D), ``memory`` and
            ``reference_points`` (bs, L, 4) sigmoid anchors; head inputs (empty
            two-stage outputs in training).
        """
        batch_size = memory.size(0)
        query = self.query_embedding.weight.expand(batch_size, -1, -1)
        reference_points = self.anchor_embedding.weight.sigmoid().expand(batch_size, -1, -1)
        decoder_inputs_dict = dict(query=query, memory=memory,
                                   reference_points=reference_points)
        head_inputs_dict = dict(enc_outputs_class=None,
                                enc_outputs_coord=None) if self.training else dict()
        return decoder_inputs_dict, head_inputs_dict
