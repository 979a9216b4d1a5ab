"""The decoder of DAB-Deformable-DETR++: deformable cross-attention queried by 4-D anchors.

DAB-DETR's query formulation (§4.1 of the paper; Liu et al. 2022) inside Deformable DETR's
decoder, as in the official DN-Deformable-DETR++ (IDEA-Research/DN-DETR,
``models/dn_dab_deformable_detr/deformable_transformer.py``, ``use_dab=True``): each layer
derives its positional query from the sine embedding of its anchor box (``ref_point_head``),
scaled from the second layer on by a function of the content (``query_scale``, conditional
DETR's scaling), samples the multi-scale memory around the anchor with mmcv's
``MultiScaleDeformableAttention`` and refines the anchor with the head's regression branch.
"""
from typing import Tuple

import torch
from torch import Tensor, nn

from mmdet.models.layers.transformer import (
    MLP,
    DeformableDetrTransformerDecoder,
    coordinate_to_encoding,
    inverse_sigmoid,
)
from ..utils import OFFICIAL_EPS


class DABDeformablePPTransformerDecoder(DeformableDetrTransformerDecoder):
    """Deformable DETR's decoder with 4-D anchor queries refined layer by layer.

    Unlike DINO's decoder (``DinoTransformerDecoder``), which it otherwise resembles, it
    has ``query_scale``, no output norm, and returns the detached refined anchors, from
    which the head predicts the next layer's boxes (as the official code and mmdet's
    ``DeformableDETRHead`` with box refinement expect).
    """

    def _init_layers(self) -> None:
        """Deformable DETR's layers plus the anchor-to-positional-query heads."""
        super()._init_layers()
        self.ref_point_head = MLP(self.embed_dims * 2, self.embed_dims, self.embed_dims, 2)
        self.query_scale = MLP(self.embed_dims, self.embed_dims, self.embed_dims, 2)

    def forward(self, query: Tensor, value: Tensor, key_padding_mask: Tensor,
                reference_points: Tensor, spatial_shapes: Tensor,
                level_start_index: Tensor, valid_ratios: Tensor,
                reg_branches: nn.ModuleList, self_attn_mask: Tensor = None,
                **kwargs) -> Tuple[Tensor, Tensor]:
        """Runs the layers, refining the anchors after each.

        Args:
            query (Tensor): content queries, (bs, W, D).
            value (Tensor): the encoder's memory, (bs, num_feat_points, D).
            key_padding_mask (Tensor): (bs, num_feat_points), True at padding.
            reference_points (Tensor): the initial anchors, (bs, W, 4) normalised
                (cx, cy, w, h).
            spatial_shapes (Tensor): (num_levels, 2) (h, w) of each level.
            level_start_index (Tensor): (num_levels, ) start of each level.
            valid_ratios (Tensor): (bs, num_levels, 2) valid fraction of each level.
            reg_branches (nn.ModuleList): the head's box branches, one per layer.
            self_attn_mask (Tensor, optional): (W, W) mask of the self-attention
                (Eq. 7 in training with denoising), bool or additive.

        Returns:
            tuple[Tensor, Tensor]: every layer's output (num_layers, bs, W, D) and its
            refined, detached anchors (num_layers, bs, W, 4).
        """
        intermediate, intermediate_reference_points = [], []
        ratios = torch.cat([valid_ratios, valid_ratios], -1)[:, None]  # (bs, 1, L, 4)
        for lid, layer in enumerate(self.layers):
            reference_points_input = reference_points[:, :, None] * ratios
            query_pos = self.ref_point_head(coordinate_to_encoding(
                reference_points_input[:, :, 0, :], num_feats=self.embed_dims // 2))
            if lid != 0:
                query_pos = self.query_scale(query) * query_pos
            query = layer(
                query,
                query_pos=query_pos,
                value=value,
                key_padding_mask=key_padding_mask,
                self_attn_mask=self_attn_mask,
                spatial_shapes=spatial_shapes,
                level_start_index=level_start_index,
                valid_ratios=valid_ratios,
                reference_points=reference_points_input,
                **kwargs)
            reference_points = (reg_branches[lid](query) +
                                inverse_sigmoid(reference_points, OFFICIAL_EPS)).sigmoid().detach()
            intermediate.append(query)
            intermediate_reference_points.append(reference_points)
        return torch.stack(intermediate), torch.stack(intermediate_reference_points)
