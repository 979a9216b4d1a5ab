"""Anchor DETR's transformer (Wang et al., arXiv 2109.07107) on a single feature level.

Encoder layers attend over the (H, W) map with row-column decoupled attention (RCDA);
decoder layers are self-attention over the queries (positions from their 2-D anchor
points), RCDA cross-attention into the map and an FFN, post-norm as DETR. The anchor
points are not refined between layers, so every positional input is computed once by the
detector (:class:`~mmdn.models.detectors.AnchorDETR`) and shared by all layers.
"""
import math
from typing import Optional

import torch
from mmcv.cnn import build_norm_layer
from mmcv.cnn.bricks.transformer import FFN, MultiheadAttention
from mmengine.model import ModuleList
from torch import Tensor

from mmdet.models.layers import (
    DetrTransformerDecoder,
    DetrTransformerDecoderLayer,
    DetrTransformerEncoder,
    DetrTransformerEncoderLayer,
)
from .row_column_attention import RowColumnDecoupledAttention


def sine_embedding_1d(pos: Tensor, num_feats: int, temperature: float = 10000.) -> Tensor:
    """Sine-cosine embedding of normalised 1-D positions (Anchor DETR's ``pos2posemb1d``).

    Args:
        pos (Tensor): (...) positions in [0, 1].
        num_feats (int): the embedding's width.

    Returns:
        Tensor: (..., num_feats), sin and cos interleaved, frequencies
        ``temperature ** (2 * (i // 2) / num_feats)``.
    """
    dim_t = torch.arange(num_feats, dtype=torch.float32, device=pos.device)
    dim_t = temperature ** (2 * (dim_t // 2) / num_feats)
    angles = pos[..., None] * (2 * math.pi) / dim_t
    return torch.stack((angles[..., 0::2].sin(), angles[..., 1::2].cos()), -1).flatten(-2)


class AnchorDetrTransformerEncoderLayer(DetrTransformerEncoderLayer):
    """DETR's encoder layer with RCDA self-attention over the (H, W) map.

    ``self_attn_cfg`` holds :class:`RowColumnDecoupledAttention`'s arguments.
    """

    def _init_layers(self) -> None:
        """RCDA, FFN and two post-norms."""
        self.self_attn_cfg.pop('batch_first', None)
        self.self_attn = RowColumnDecoupledAttention(**self.self_attn_cfg)
        self.embed_dims = self.self_attn.embed_dims
        self.ffn = FFN(**self.ffn_cfg)
        self.norms = ModuleList(
            [build_norm_layer(self.norm_cfg, self.embed_dims)[1] for _ in range(2)])

    def forward(self, query: Tensor, pos_x: Tensor, pos_y: Tensor,
                key_padding_mask: Tensor) -> Tensor:
        """
        Args:
            query (Tensor): the map, (bs, H, W, D).
            pos_x (Tensor): column embeddings, (bs, W, D).
            pos_y (Tensor): row embeddings, (bs, H, D).
            key_padding_mask (Tensor): (bs, H, W), True at padding.

        Returns:
            Tensor: (bs, H, W, D).
        """
        bs, height, width, dims = query.shape
        # Pixel (h, w) asks with its column's embedding (x) and its row's (y); each
        # column's key is the map averaged over rows plus the column's embedding.
        query_x = (query + pos_x[:, None]).flatten(1, 2)
        query_y = (query + pos_y[:, :, None]).flatten(1, 2)
        out = self.self_attn(query_x, query_y, query.mean(1) + pos_x, query.mean(2) + pos_y,
                             query, key_padding_mask)
        query = self.norms[0](query + out.view(bs, height, width, dims))
        return self.norms[1](self.ffn(query))


class AnchorDetrTransformerEncoder(DetrTransformerEncoder):
    """A stack of :class:`AnchorDetrTransformerEncoderLayer` on one feature level."""

    def _init_layers(self) -> None:
        """The layers."""
        self.layers = ModuleList([AnchorDetrTransformerEncoderLayer(**self.layer_cfg)
                                  for _ in range(self.num_layers)])
        self.embed_dims = self.layers[0].embed_dims

    def forward(self, query: Tensor, pos_x: Tensor, pos_y: Tensor,
                key_padding_mask: Tensor) -> Tensor:
        """(bs, H, W, D) map -> (bs, H, W, D) memory; arguments as the layer's."""
        for layer in self.layers:
            query = layer(query, pos_x, pos_y, key_padding_mask)
        return query


class AnchorDetrTransformerDecoderLayer(DetrTransformerDecoderLayer):
    """DETR's decoder layer with RCDA cross-attention.

    ``cross_attn_cfg`` holds :class:`RowColumnDecoupledAttention`'s arguments.
    """

    def _init_layers(self) -> None:
        """Self-attention, RCDA, FFN and three post-norms (mmdet's layer with RCDA in
        place of its cross-attention, which is never built)."""
        self.cross_attn_cfg.pop('batch_first', None)
        self.self_attn = MultiheadAttention(**self.self_attn_cfg)
        self.cross_attn = RowColumnDecoupledAttention(**self.cross_attn_cfg)
        self.embed_dims = self.self_attn.embed_dims
        self.ffn = FFN(**self.ffn_cfg)
        self.norms = ModuleList(
            [build_norm_layer(self.norm_cfg, self.embed_dims)[1] for _ in range(3)])

    def forward(self, query: Tensor, query_pos: Tensor, query_pos_x: Tensor,
                query_pos_y: Tensor, value: Tensor, key_x: Tensor, key_y: Tensor,
                key_padding_mask: Tensor, self_attn_mask: Optional[Tensor] = None) -> Tensor:
        """
        Args:
            query (Tensor): (bs, Q, D).
            query_pos (Tensor): the anchor points' 2-D embedding, (bs, Q, D).
            query_pos_x (Tensor): their x embedding, (bs, Q, D).
            query_pos_y (Tensor): their y embedding, (bs, Q, D).
            value (Tensor): the encoder's memory, (bs, H, W, D).
            key_x (Tensor): column keys, (bs, W, D).
            key_y (Tensor): row keys, (bs, H, D).
            key_padding_mask (Tensor): (bs, H, W), True at padding.
            self_attn_mask (Tensor, optional): (Q, Q), bool (True = blocked) or
                additive, e.g. the denoising mask of Eq. 7.

        Returns:
            Tensor: (bs, Q, D).
        """
        query = self.self_attn(query=query, key=query, value=query, query_pos=query_pos,
                               key_pos=query_pos, attn_mask=self_attn_mask)
        query = self.norms[0](query)
        out = self.cross_attn(query + query_pos_x, query + query_pos_y, key_x, key_y, value,
                              key_padding_mask)
        query = self.norms[1](query + out)
        return self.norms[2](self.ffn(query))


class AnchorDetrTransformerDecoder(DetrTransformerDecoder):
    """A stack of :class:`AnchorDetrTransformerDecoderLayer`, every layer's output
    returned, without a final norm (the official heads read the layers' outputs)."""

    def _init_layers(self) -> None:
        """The layers."""
        self.layers = ModuleList([AnchorDetrTransformerDecoderLayer(**self.layer_cfg)
                                  for _ in range(self.num_layers)])
        self.embed_dims = self.layers[0].embed_dims

    def forward(self, query: Tensor, value: Tensor, pos_x: Tensor, pos_y: Tensor,
                key_padding_mask: Tensor, **kwargs) -> Tensor:
        """
        Args:
            query (Tensor): (bs, Q, D).
            value (Tensor): the encoder's memory, (bs, H, W, D).
            pos_x (Tensor): column embeddings of the map, (bs, W, D).
            pos_y (Tensor): row embeddings of the map, (bs, H, D).
            key_padding_mask (Tensor): (bs, H, W).
            **kwargs: ``query_pos``, ``query_pos_x``, ``query_pos_y`` and
                ``self_attn_mask`` of the layers.

        Returns:
            Tensor: (num_layers, bs, Q, D).
        """
        key_x, key_y = value.mean(1) + pos_x, value.mean(2) + pos_y
        hidden_states = []
        for layer in self.layers:
            query = layer(query, value=value, key_x=key_x, key_y=key_y,
                          key_padding_mask=key_padding_mask, **kwargs)
            hidden_states.append(query)
        return torch.stack(hidden_states)
