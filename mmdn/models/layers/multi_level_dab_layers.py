"""DAB-DETR's decoder over a multi-scale memory: one conditional cross-attention per level.

The decoder of the paper's DN-Deformable-DETR (deformable attention in the encoder only,
§4.6), as the official code builds it (IDEA-Research/DN-DETR,
``models/dn_dab_deformable_detr_deformable_encoder_only/multi_scale_transformer.py``):
DAB-DETR's layer, whose cross-attention projects queries, keys and values once, attends
to each level of the flattened multi-scale memory separately (standard, dense attention
with conditional DETR's concatenated content and position), projects each result with
the shared output projection and mixes the levels with softmax weights that a linear
layer ("level attention") reads from the self-attention's query.
"""
from typing import Sequence

import torch
from mmcv.cnn import build_norm_layer
from mmcv.cnn.bricks.transformer import FFN
from mmengine.model import ModuleList
from torch import Tensor, nn

from mmdet.models.layers.transformer import (
    MLP,
    ConditionalAttention,
    DABDetrTransformerDecoder,
    DABDetrTransformerDecoderLayer,
)


class MultiLevelConditionalAttention(ConditionalAttention):
    """Conditional cross-attention over the levels of a multi-scale memory.

    Args:
        num_levels (int): the number of levels of the memory.
        Others as mmdet's ``ConditionalAttention`` with ``cross_attn=True``.
    """

    def __init__(self, *args, num_levels: int, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not self.cross_attn:
            raise ValueError('MultiLevelConditionalAttention is a cross-attention: '
                             'set cross_attn=True')
        self.num_levels = num_levels

    def forward(self, query: Tensor, key: Tensor, query_pos: Tensor, ref_sine_embed: Tensor,
                key_pos: Tensor, level_sizes: Sequence[int], level_weights: Tensor,
                key_padding_mask: Tensor = None, is_first: bool = False) -> Tensor:
        """Cross-attention to each level, mixed by ``level_weights``.

        Args:
            query (Tensor): (bs, W, D) content queries.
            key (Tensor): (bs, N, D) the flattened memory of all levels.
            query_pos (Tensor): (bs, W, D) positional queries (first layer only,
                unless ``keep_query_pos``).
            ref_sine_embed (Tensor): (bs, W, D) the anchors' sine embedding.
            key_pos (Tensor): (bs, N, D) the memory's positional embedding.
            level_sizes (Sequence[int]): the number of memory points of each level
                (summing to N).
            level_weights (Tensor): (bs, W, num_levels) softmax weights of the levels.
            key_padding_mask (Tensor, optional): (bs, N), True at padding.
            is_first (bool): whether this is the first decoder layer.

        Returns:
            Tensor: (bs, W, D), the query plus the attention's output.
        """
        bs, num_queries, dims = query.shape
        head_dims = dims // self.num_heads
        q = self.qcontent_proj(query)
        k = self.kcontent_proj(key)
        k_pos = self.kpos_proj(key_pos)
        if is_first or self.keep_query_pos:
            q = q + self.qpos_proj(query_pos)
            k = k + k_pos
        # Per head: [content, position] for queries and keys (conditional DETR).
        q = torch.cat([q.view(bs, num_queries, self.num_heads, head_dims),
                       self.qpos_sine_proj(ref_sine_embed).view(bs, num_queries,
                                                                self.num_heads, head_dims)],
                      dim=3).view(bs, num_queries, 2 * dims)
        k = torch.cat([k.view(bs, -1, self.num_heads, head_dims),
                       k_pos.view(bs, -1, self.num_heads, head_dims)],
                      dim=3).view(bs, -1, 2 * dims)
        v = self.v_proj(key)
        masks = (key_padding_mask.split(level_sizes, dim=1) if key_padding_mask is not None
                 else [None] * len(level_sizes))
        outputs = [
            self.forward_attn(query=q, key=k_level, value=v_level,
                              key_padding_mask=mask)[0]
            for k_level, v_level, mask in zip(k.split(level_sizes, dim=1),
                                              v.split(level_sizes, dim=1), masks)
        ]
        mixed = (torch.stack(outputs, dim=-1) * level_weights[..., None, :]).sum(-1)
        return query + self.proj_drop(mixed)


class MultiLevelDABDetrTransformerDecoderLayer(DABDetrTransformerDecoderLayer):
    """DAB-DETR's decoder layer with :class:`MultiLevelConditionalAttention`.

    Args:
        num_levels (int): the number of levels of the memory.
        Others as mmdet's ``DABDetrTransformerDecoderLayer``.
    """

    def __init__(self, *args, num_levels: int, **kwargs) -> None:
        self.num_levels = num_levels
        super().__init__(*args, **kwargs)

    def _init_layers(self) -> None:
        """Self-attention, multi-level cross-attention, level attention, FFN, norms."""
        self.self_attn = ConditionalAttention(**self.self_attn_cfg)
        self.cross_attn = MultiLevelConditionalAttention(num_levels=self.num_levels,
                                                         **self.cross_attn_cfg)
        self.embed_dims = self.self_attn.embed_dims
        self.level_attn = nn.Linear(self.embed_dims, self.num_levels)
        self.ffn = FFN(**self.ffn_cfg)
        self.norms = ModuleList(
            [build_norm_layer(self.norm_cfg, self.embed_dims)[1] for _ in range(3)])
        self.keep_query_pos = self.cross_attn.keep_query_pos

    def forward(self, query: Tensor, key: Tensor, query_pos: Tensor, key_pos: Tensor,
                level_sizes: Sequence[int], ref_sine_embed: Tensor = None,
                self_attn_masks: Tensor = None, key_padding_mask: Tensor = None,
                is_first: bool = False) -> Tensor:
        """Self-attention, multi-level cross-attention and FFN, each with a post-norm.

        Args:
            query (Tensor): (bs, W, D).
            key (Tensor): (bs, N, D) the flattened multi-scale memory.
            query_pos (Tensor): (bs, W, D).
            key_pos (Tensor): (bs, N, D).
            level_sizes (Sequence[int]): memory points of each level.
            ref_sine_embed (Tensor): (bs, W, D) the anchors' sine embedding.
            self_attn_masks (Tensor, optional): (W, W), e.g. Eq. 7, bool or additive.
            key_padding_mask (Tensor, optional): (bs, N), True at padding.
            is_first (bool): whether this is the first decoder layer.

        Returns:
            Tensor: (bs, W, D).
        """
        # The level weights read the self-attention's query, as the official code.
        self_query = self.self_attn.qcontent_proj(query) + self.self_attn.qpos_proj(query_pos)
        level_weights = self.level_attn(self_query).softmax(-1)
        query = self.self_attn(query=query, key=query, query_pos=query_pos,
                               key_pos=query_pos, attn_mask=self_attn_masks)
        query = self.norms[0](query)
        query = self.cross_attn(query=query, key=key, query_pos=query_pos,
                                ref_sine_embed=ref_sine_embed, key_pos=key_pos,
                                level_sizes=level_sizes, level_weights=level_weights,
                                key_padding_mask=key_padding_mask, is_first=is_first)
        query = self.norms[1](query)
        return self.norms[2](self.ffn(query))


class MultiLevelDABDetrTransformerDecoder(DABDetrTransformerDecoder):
    """DAB-DETR's decoder (anchors refined layer by layer, ``cond_elewise`` query
    scaling, modulated width / height attention) built of
    :class:`MultiLevelDABDetrTransformerDecoderLayer`; ``forward`` takes the memory's
    ``level_sizes`` besides DAB-DETR's arguments.

    Args:
        num_levels (int): the number of levels of the memory.
        Others as mmdet's ``DABDetrTransformerDecoder``.
    """

    def __init__(self, *args, num_levels: int, **kwargs) -> None:
        self.num_levels = num_levels
        super().__init__(*args, **kwargs)

    def _init_layers(self) -> None:
        """The layers and DAB-DETR's anchor heads."""
        if self.query_dim != 4 or self.query_scale_type != 'cond_elewise':
            raise ValueError(f'{type(self).__name__} supports query_dim=4 and '
                             "query_scale_type='cond_elewise' (the official model's)")
        self.layers = ModuleList([
            MultiLevelDABDetrTransformerDecoderLayer(num_levels=self.num_levels,
                                                     **self.layer_cfg)
            for _ in range(self.num_layers)
        ])
        self.embed_dims = embed_dims = self.layers[0].embed_dims
        self.post_norm = build_norm_layer(self.post_norm_cfg, embed_dims)[1]
        self.query_scale = MLP(embed_dims, embed_dims, embed_dims, 2)
        self.ref_point_head = MLP(2 * embed_dims, embed_dims, embed_dims, 2)
        if self.with_modulated_hw_attn:
            self.ref_anchor_head = MLP(embed_dims, embed_dims, 2, 2)
        self.keep_query_pos = self.layers[0].keep_query_pos
        if not self.keep_query_pos:  # only the first layer projects query_pos
            for layer in self.layers[1:]:
                layer.cross_attn.qpos_proj = None
