"""SAM-DETR++'s decoder: semantic-aligned matching over a feature pyramid (Zhang et al.)."""
import math
from typing import List, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from mmcv.ops import roi_align
from mmengine.model import BaseModule, ModuleList
from torch import Tensor, nn

from mmdet.models.layers.transformer.utils import MLP, coordinate_to_encoding
from mmdet.structures.bbox import bbox_cxcywh_to_xyxy


def _sine_embedding(points: Tensor, embed_dims: int) -> Tensor:
    """The sine embedding of points (..., 2) in [0, 1]: (..., embed_dims), y first."""
    flat = points.reshape(points.size(0), -1, 2)
    return coordinate_to_encoding(flat, embed_dims // 2).view(*points.shape[:-1], embed_dims)


def valid_cells(valid_ratio: Tensor, h: int, w: int) -> Tensor:
    """The unpadded width and height of an h x w map in cells, (bs, 2) as (w, h).

    The sizes go through tensors (not ``new_tensor``, which copies their values), so an
    ONNX trace follows the map size of its input.
    """
    size = torch.stack([torch.as_tensor(w), torch.as_tensor(h)])
    return valid_ratio * size.to(valid_ratio)


class SamDetrTransformerDecoderLayer(BaseModule):
    """One decoder layer of SAM-DETR(++), as the official ``TransformerDecoderLayer``
    (github ZhangGongjie/SAM-DETR, ``models/transformer_decoder.py``) with SMCA.

    1. Self-attention of the queries, content plus the sine embedding of their reference
       boxes' centres (Conditional DETR's form), under ``self_attn_mask``.
    2. The Semantic Aligner: each query's content is re-sampled from the memory inside
       its reference box (RoIAlign, ``roi_size`` x ``roi_size``, in the unpadded part of
       the feature map), at one salient point per head predicted from that RoI (offsets
       in [-1, 1] of the box, ``grid_sample``), and reweighted by a sigmoid gate of the
       previous content; the points' sine embeddings, gated the same way, are the
       positional queries. With SMCA each head also predicts the scale of a Gaussian-like
       weight map around its point, added to the cross-attention logits.
    3. Cross-attention of the H per-head queries (each of D dims) to the memory: keys
       shared by the heads, values split among them (D / H each).
    4. FFN. Post-norm after each of the three, dropout on the attention weights and the
       residual branches.

    Args:
        embed_dims (int): D. Default 256.
        num_heads (int): H. Default 8.
        feedforward_channels (int): the FFN's hidden size. Default 2048.
        dropout (float): Default 0.1.
        roi_size (int): the aligner's RoI side. Default 7.
        with_smca (bool): the Gaussian-like weight maps of SMCA. Default True.
        init_cfg (dict, optional): the initialisation config.
    """

    def __init__(self, embed_dims: int = 256, num_heads: int = 8,
                 feedforward_channels: int = 2048, dropout: float = 0.1, roi_size: int = 7,
                 with_smca: bool = True, init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if embed_dims % num_heads or embed_dims % 4:
            raise ValueError(f'embed_dims={embed_dims} must be divisible by num_heads='
                             f'{num_heads} and by 4')
        self.embed_dims, self.num_heads = embed_dims, num_heads
        self.roi_size, self.with_smca = roi_size, with_smca
        dims = embed_dims
        # Self-attention.
        self.sa_qcontent_proj = nn.Linear(dims, dims)
        self.sa_qpos_proj = nn.Linear(dims, dims)
        self.sa_kcontent_proj = nn.Linear(dims, dims)
        self.sa_kpos_proj = nn.Linear(dims, dims)
        self.sa_v_proj = nn.Linear(dims, dims)
        self.sa_out_proj = nn.Linear(dims, dims)
        self.norm1 = nn.LayerNorm(dims)
        # Semantic aligner: salient points (and SMCA scales) from the RoI features.
        self.point1 = nn.Sequential(nn.Conv2d(dims, dims // 4, kernel_size=1), nn.ReLU())
        self.point2 = nn.Sequential(
            nn.Linear(dims // 4 * roi_size * roi_size, 256), nn.ReLU(),
            nn.Linear(256, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(),
            nn.Linear(512, num_heads * (4 if with_smca else 2)))
        # The official code zeroes this layer; its transformer's Xavier init then redraws
        # the weight (dim > 1) and the zero bias stays: salient points start at the centre
        # on average.
        nn.init.zeros_(self.point2[-1].bias)
        self.attn1 = nn.Linear(dims, dims * num_heads)
        self.attn2 = nn.Linear(dims, dims * num_heads)
        # Cross-attention.
        self.ca_qcontent_proj = nn.Linear(dims, dims)
        self.ca_kcontent_proj = nn.Linear(dims, dims)
        self.ca_v_proj = nn.Linear(dims, dims)
        self.ca_qpos_sine_proj = MLP(dims, dims, dims, 2)
        self.ca_kpos_sine_proj = MLP(dims, dims, dims, 2)
        self.ca_out_proj = nn.Linear(dims, dims)
        self.norm2 = nn.LayerNorm(dims)
        # FFN.
        self.linear1 = nn.Linear(dims, feedforward_channels)
        self.linear2 = nn.Linear(feedforward_channels, dims)
        self.norm3 = nn.LayerNorm(dims)
        self.dropout = nn.Dropout(dropout)

    def roi_features(self, memory_2d: Tensor, ref_boxes: Tensor,
                     valid_ratio: Tensor) -> Tensor:
        """The memory inside each reference box (RoIAlign, aligned corners).

        Args:
            memory_2d (Tensor): (bs, D, h, w) one level of the encoder's memory.
            ref_boxes (Tensor): (bs, Q, 4) normalised (cx, cy, w, h) within the image.
            valid_ratio (Tensor): (bs, 2) the unpadded fraction of the map, (w, h).

        Returns:
            Tensor: (bs * Q, D, roi_size, roi_size).
        """
        bs, num_queries = ref_boxes.shape[:2]
        h, w = memory_2d.shape[-2:]
        scale = valid_cells(valid_ratio, h, w).repeat(1, 2)  # (bs, 4)
        boxes = bbox_cxcywh_to_xyxy(ref_boxes) * scale[:, None]
        index = torch.arange(bs, device=boxes.device, dtype=boxes.dtype)
        rois = torch.cat([index.repeat_interleave(num_queries)[:, None],
                          boxes.reshape(-1, 4)], dim=1)
        # mmcv's kernels read the input as contiguous.
        return roi_align(memory_2d.contiguous(), rois, (self.roi_size, self.roi_size), 1.0, 0,
                         'avg', True)

    def semantic_aligner(self, query: Tensor, ref_boxes: Tensor, memory_2d: Tensor,
                         valid_ratio: Tensor) -> Tuple[Tensor, Tensor, Tensor]:
        """Each query's content re-sampled at one salient point a head inside its box.

        Args:
            query (Tensor): (bs, Q, D) the content after self-attention (for the gates).
            ref_boxes (Tensor): (bs, Q, 4) normalised (cx, cy, w, h).
            memory_2d (Tensor): (bs, D, h, w) the level's memory.
            valid_ratio (Tensor): (bs, 2).

        Returns:
            tuple: the gated content (bs, Q, H, D); the salient points (bs, Q, H, 2),
            normalised, the box centre plus offsets in [-1, 1] of its half size; the
            SMCA scales (bs * Q, 2H), empty without SMCA.
        """
        bs, num_queries, dims = query.shape
        heads = self.num_heads
        rois = self.roi_features(memory_2d, ref_boxes, valid_ratio)
        points = self.point2(self.point1(rois).flatten(1))  # (bs * Q, H * (2 | 4))
        offsets = points[:, :2 * heads].view(-1, 1, heads, 2).tanh()
        content = F.grid_sample(rois, offsets, padding_mode='zeros', align_corners=False)
        content = content.view(bs, num_queries, dims, heads).transpose(2, 3)
        content = content * self.attn1(query).view(bs, num_queries, heads, dims).sigmoid()
        salient = ref_boxes[:, :, None, :2] + ref_boxes[:, :, None, 2:] * 0.5 * \
            offsets.view(bs, num_queries, heads, 2)
        return content, salient, points[:, 2 * heads:]

    def forward(self, query: Tensor, ref_boxes: Tensor, memory: Tensor, memory_pos: Tensor,
                memory_mask: Optional[Tensor], level_shape: Tuple[int, int],
                valid_ratio: Tensor, self_attn_mask: Optional[Tensor] = None) -> Tensor:
        """One layer.

        Args:
            query (Tensor): (bs, Q, D) content.
            ref_boxes (Tensor): (bs, Q, 4) reference boxes, normalised (cx, cy, w, h).
            memory (Tensor): (bs, h * w, D) the level's memory.
            memory_pos (Tensor): (bs, h * w, D) its positional (and level) embedding.
            memory_mask (Tensor, optional): (bs, h * w), True at padding.
            level_shape (tuple[int, int]): (h, w).
            valid_ratio (Tensor): (bs, 2), the unpadded fraction (w, h).
            self_attn_mask (Tensor, optional): (Q, Q) additive, 0 / -inf.

        Returns:
            Tensor: (bs, Q, D).
        """
        bs, num_queries, dims = query.shape
        heads = self.num_heads
        h, w = level_shape
        # 1. Self-attention.
        # The sine embeddings take no gradient, as the official ``gen_sineembed_for_position``
        # (under ``torch.no_grad``): the boxes and salient points learn through RoIAlign,
        # the sampling and SMCA only.
        centre_pos = _sine_embedding(ref_boxes[..., :2].detach(), dims)
        q = self.sa_qcontent_proj(query) + self.sa_qpos_proj(centre_pos)
        k = self.sa_kcontent_proj(query) + self.sa_kpos_proj(centre_pos)
        v = self.sa_v_proj(query)
        q, k, v = (t.view(bs, num_queries, heads, dims // heads).transpose(1, 2)
                   for t in (q, k, v))
        logits = q @ k.transpose(-1, -2) / math.sqrt(dims // heads)
        if self_attn_mask is not None:
            logits = logits + self_attn_mask
        out = (self.dropout(logits.softmax(-1)) @ v).transpose(1, 2).reshape(bs, num_queries,
                                                                           dims)
        query = self.norm1(query + self.dropout(self.sa_out_proj(out)))
        # 2. Semantic aligner.
        memory_2d = memory.transpose(1, 2).reshape(bs, dims, h, w)
        content, salient, scales = self.semantic_aligner(query, ref_boxes, memory_2d,
                                                         valid_ratio)
        point_pos = _sine_embedding(salient.detach(), dims) * \
            self.attn2(query).view(bs, num_queries, heads, dims).sigmoid()
        # 3. Cross-attention: per-head queries of D dims, keys shared, values split.
        q = self.ca_qcontent_proj(content) + self.ca_qpos_sine_proj(point_pos)
        k = self.ca_kcontent_proj(memory) + self.ca_kpos_sine_proj(memory_pos)
        logits = torch.einsum('bqhd,bkd->bhqk', q / math.sqrt(dims), k)
        if memory_mask is not None:
            logits = logits.masked_fill(memory_mask[:, None, None], float('-inf'))
        if self.with_smca:
            logits = logits + self.smca_weights(salient, scales, level_shape, valid_ratio)
        v = self.ca_v_proj(memory).view(bs, -1, heads, dims // heads)
        out = torch.einsum('bhqk,bkhc->bqhc', self.dropout(logits.softmax(-1)), v)
        query = self.norm2(query + self.dropout(self.ca_out_proj(out.flatten(2))))
        # 4. FFN.
        ffn = self.linear2(self.dropout(F.relu(self.linear1(query))))
        return self.norm3(query + self.dropout(ffn))

    def smca_weights(self, salient: Tensor, scales: Tensor, level_shape: Tuple[int, int],
                     valid_ratio: Tensor) -> Tensor:
        """SMCA's log-weights -|Σ_axis s² (p - g)²| / 8 of each map cell g (its centre, in
        cells) for each head's salient point p.

        Args:
            salient (Tensor): (bs, Q, H, 2) the points, normalised to the image.
            scales (Tensor): (bs * Q, 2H) the predicted scales s.
            level_shape (tuple[int, int]): (h, w).
            valid_ratio (Tensor): (bs, 2).

        Returns:
            Tensor: (bs, H, Q, h * w).
        """
        bs, num_queries, heads = salient.shape[:3]
        h, w = level_shape
        centre = salient * valid_cells(valid_ratio, h, w)[:, None, None]
        ys, xs = torch.meshgrid(torch.arange(h, device=salient.device, dtype=salient.dtype),
                                torch.arange(w, device=salient.device, dtype=salient.dtype),
                                indexing='ij')
        cells = torch.stack([xs, ys], -1).view(-1, 2) + 0.5  # (h * w, 2), row-major
        scales = scales.view(bs, num_queries, heads, 1, 2).square()
        distance = ((centre[:, :, :, None] - cells).square() * scales).sum(-1)
        return (-distance.abs() / 8.0).permute(0, 2, 1, 3)


class SamDetrTransformerDecoder(BaseModule):
    """SAM-DETR++'s decoder: its layers read the pyramid coarse to fine (with 6 layers
    and 3 levels: C5, C5, C4, C4, C3, C3, as the official code), each from the reference
    boxes the previous layer refined with the head's box branch (detached).

    Args:
        num_layers (int): Default 6.
        layer_cfg (dict): :class:`SamDetrTransformerDecoderLayer`'s options.
        num_levels (int): the pyramid's levels, finest first. Default 3.
        init_cfg (dict, optional): the initialisation config.
    """

    def __init__(self, num_layers: int = 6, layer_cfg: Optional[dict] = None,
                 num_levels: int = 3, init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.num_layers, self.num_levels = num_layers, num_levels
        self.layers = ModuleList(
            [SamDetrTransformerDecoderLayer(**(layer_cfg or {})) for _ in range(num_layers)])
        self.embed_dims = self.layers[0].embed_dims

    def level_of_layer(self, layer_id: int) -> int:
        """The pyramid level layer ``layer_id`` reads: coarse to fine, in equal runs."""
        return self.num_levels - 1 - layer_id * self.num_levels // self.num_layers

    def forward(self, query: Tensor, query_pos: Tensor, memories: Sequence[Tensor],
                memory_pos: Sequence[Tensor], memory_masks: Sequence[Optional[Tensor]],
                level_shapes: Sequence[Tuple[int, int]], valid_ratios: Tensor,
                reg_branches: nn.ModuleList,
                self_attn_mask: Optional[Tensor] = None) -> Tuple[Tensor, List[Tensor]]:
        """All layers.

        Args:
            query (Tensor): (bs, Q, D) initial content.
            query_pos (Tensor): (bs, Q, 4) the reference boxes before sigmoid.
            memories, memory_pos, memory_masks: per level (finest first), (bs, h * w, D),
                (bs, h * w, D) and (bs, h * w) or None.
            level_shapes (list[tuple[int, int]]): each level's (h, w).
            valid_ratios (Tensor): (bs, num_levels, 2).
            reg_branches (nn.ModuleList): the head's box branches, one a layer.
            self_attn_mask (Tensor, optional): (Q, Q) additive.

        Returns:
            tuple: ``hidden_states`` (num_layers, bs, Q, D) and the reference boxes each
            layer read, a list of (bs, Q, 4) after sigmoid (the first one not detached).
        """
        ref_logits = query_pos
        hidden_states, references = [], []
        for layer_id, layer in enumerate(self.layers):
            if layer_id > 0:
                ref_logits = (reg_branches[layer_id - 1](query) + ref_logits).detach()
            ref_boxes = ref_logits.sigmoid()
            level = self.level_of_layer(layer_id)
            query = layer(query, ref_boxes, memories[level], memory_pos[level],
                          memory_masks[level], level_shapes[level], valid_ratios[:, level],
                          self_attn_mask)
            hidden_states.append(query)
            references.append(ref_boxes)
        return torch.stack(hidden_states), references
