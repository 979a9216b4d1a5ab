"""DAB-Deformable-DETR: DAB-DETR on Deformable DETR's multi-scale deformable encoder (the
baseline of the paper's DN-Deformable-DETR, deformable attention in the encoder only)."""
from typing import Dict, Tuple

import torch
from mmcv.cnn.bricks.transformer import MultiScaleDeformableAttention
from torch import Tensor, nn
from torch.nn.init import normal_

from mmdet.models.detectors import DABDETR, DeformableDETR
from mmdet.models.layers import DeformableDetrTransformerEncoder, SinePositionalEncoding
from mmdet.registry import MODELS
from mmdet.structures import OptSampleList
from ..layers import MultiLevelDABDetrTransformerDecoder
from .masked_decoders import MaskedDABDecoderMixin


@MODELS.register_module()
class DABDeformableDETR(MaskedDABDecoderMixin, DABDETR):
    """DAB-DETR whose encoder is Deformable DETR's, over ``num_feature_levels`` scales.

    As the official model (IDEA-Research/DN-DETR,
    ``models/dn_dab_deformable_detr_deformable_encoder_only``): the neck's levels are
    flattened with a learnt level embedding and encoded by multi-scale deformable
    attention; DAB-DETR's queries (4-D anchors, patterns) are decoded by
    :class:`MultiLevelDABDetrTransformerDecoder`, which attends densely to every
    level (run by :class:`MaskedDABDecoderMixin`, given ``level_sizes``); DAB-DETR's
    head.

    Args:
        num_feature_levels (int): the number of feature levels. Default 4.
    """

    def __init__(self, *args, num_feature_levels: int = 4, **kwargs) -> None:
        self.num_feature_levels = num_feature_levels
        super().__init__(*args, **kwargs)

    def _init_layers(self) -> None:
        """Deformable encoder, multi-level DAB decoder, anchors, patterns, level embed."""
        self.positional_encoding = SinePositionalEncoding(**self.positional_encoding)
        self.encoder = DeformableDetrTransformerEncoder(**self.encoder)
        self.decoder = MultiLevelDABDetrTransformerDecoder(
            num_levels=self.num_feature_levels, **self.decoder)
        self.embed_dims = self.encoder.embed_dims
        if self.positional_encoding.num_feats * 2 != self.embed_dims:
            raise ValueError(f'positional_encoding.num_feats must be embed_dims / 2 = '
                             f'{self.embed_dims // 2}')
        self.query_dim = self.decoder.query_dim
        self.query_embedding = nn.Embedding(self.num_queries, self.query_dim)
        if self.num_patterns > 0:
            self.patterns = nn.Embedding(self.num_patterns, self.embed_dims)
        self.level_embed = nn.Parameter(torch.Tensor(self.num_feature_levels, self.embed_dims))

    def init_weights(self) -> None:
        """DAB-DETR's init (Xavier for the transformer), then mmcv's for deformable
        attention and N(0, 1) for the level embedding, as the official code."""
        super().init_weights()
        for m in self.modules():
            if isinstance(m, MultiScaleDeformableAttention):
                m.init_weights()
        normal_(self.level_embed)

    # Deformable DETR's flattening of the levels (masks, positions, level embedding),
    # borrowed: this model is a DAB-DETR (its base) whose encoder is Deformable DETR's.
    get_valid_ratio = staticmethod(DeformableDETR.get_valid_ratio)

    def pre_transformer(self, mlvl_feats: Tuple[Tensor],
                        batch_data_samples: OptSampleList = None) -> Tuple[Dict, Dict]:
        """Deformable DETR's encoder inputs; the decoder also gets the memory's
        positional embedding and the size of each level.

        Returns:
            tuple[dict, dict]: encoder inputs (``feat`` (bs, N, D), ``feat_mask``,
            ``feat_pos``, ``spatial_shapes``, ``level_start_index``,
            ``valid_ratios``) and decoder inputs (``memory_mask`` (bs, N) or None,
            ``memory_pos`` (bs, N, D), ``level_sizes``).
        """
        encoder_inputs_dict, decoder_inputs_dict = DeformableDETR.pre_transformer(
            self, mlvl_feats, batch_data_samples)
        decoder_inputs_dict = dict(
            memory_mask=decoder_inputs_dict['memory_mask'],
            memory_pos=encoder_inputs_dict['feat_pos'],
            level_sizes=[feat.shape[-2] * feat.shape[-1] for feat in mlvl_feats])
        return encoder_inputs_dict, decoder_inputs_dict

    def forward_encoder(self, feat: Tensor, feat_mask: Tensor, feat_pos: Tensor,
                        spatial_shapes: Tensor, level_start_index: Tensor,
                        valid_ratios: Tensor) -> Dict:
        """The deformable encoder.

        Returns:
            dict: ``memory`` (bs, N, D).
        """
        memory = self.encoder(query=feat, query_pos=feat_pos, key_padding_mask=feat_mask,
                              spatial_shapes=spatial_shapes,
                              level_start_index=level_start_index,
                              valid_ratios=valid_ratios)
        return dict(memory=memory)
