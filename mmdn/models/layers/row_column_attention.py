"""Row-column decoupled attention (RCDA) of Anchor DETR (Wang et al., arXiv 2109.07107)."""
from typing import Optional

import torch
from mmengine.model import BaseModule
from torch import Tensor, nn


class RowColumnDecoupledAttention(BaseModule):
    """Multi-head attention over an (H, W) map, decoupled into a softmax over the W
    columns (x) and one over the H rows (y) whose product weighs each value.

    For query q and head n, ``a_x = softmax(q_x k_x^T / sqrt(d))`` over W and
    ``a_y = softmax(q_y k_y^T / sqrt(d))`` over H; the output is
    ``sum_{h, w} a_y[h] a_x[w] v[h, w]``, then the output projection.

    The official code projects an (H, W) key map and then averages it over rows (x
    keys) or columns (y keys); the projection being affine, this module takes the
    averaged keys, (bs, W, D) and (bs, H, D): the same result for H (or W) times fewer
    multiplications. Of the padding mask it reads, as the official code, the first row
    (padded columns) and the first column (padded rows).

    Args:
        embed_dims (int): D.
        num_heads (int): heads; D must be divisible by them.
        dropout (float): dropout on both attention maps. Default 0.
        init_cfg (dict, optional): initialisation config.
    """

    def __init__(self, embed_dims: int, num_heads: int, dropout: float = 0.,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if embed_dims % num_heads:
            raise ValueError(f'embed_dims ({embed_dims}) must be divisible by num_heads '
                             f'({num_heads})')
        self.embed_dims = embed_dims
        self.num_heads = num_heads
        self.q_x_proj = nn.Linear(embed_dims, embed_dims)
        self.q_y_proj = nn.Linear(embed_dims, embed_dims)
        self.k_x_proj = nn.Linear(embed_dims, embed_dims)
        self.k_y_proj = nn.Linear(embed_dims, embed_dims)
        self.v_proj = nn.Linear(embed_dims, embed_dims)
        self.out_proj = nn.Linear(embed_dims, embed_dims)
        self.attn_drop = nn.Dropout(dropout)

    def init_weights(self) -> None:
        """Xavier-uniform projections with zero biases (``nn.MultiheadAttention``'s)."""
        super().init_weights()
        for proj in (self.q_x_proj, self.q_y_proj, self.k_x_proj, self.k_y_proj,
                     self.v_proj):
            nn.init.xavier_uniform_(proj.weight)
            nn.init.zeros_(proj.bias)
        nn.init.zeros_(self.out_proj.bias)

    def _heads(self, x: Tensor) -> Tensor:
        """(bs, N, D) -> (bs, heads, N, D / heads)."""
        return x.unflatten(-1, (self.num_heads, -1)).transpose(1, 2)

    def _attention(self, query: Tensor, key: Tensor, padding: Optional[Tensor]) -> Tensor:
        """Softmax weights (bs, heads, Q, N) of projected ``query`` (bs, Q, D) on ``key``
        (bs, N, D); ``padding`` (bs, N) True where a key is padding."""
        q = self._heads(query) * (self.embed_dims // self.num_heads) ** -0.5
        logits = q @ self._heads(key).transpose(-1, -2)
        if padding is not None:
            logits = logits.masked_fill(padding[:, None, None], float('-inf'))
        return self.attn_drop(logits.softmax(-1))

    def forward(self, query_x: Tensor, query_y: Tensor, key_x: Tensor, key_y: Tensor,
                value: Tensor, key_padding_mask: Optional[Tensor] = None) -> Tensor:
        """
        Args:
            query_x (Tensor): queries for the column (x) attention, (bs, Q, D).
            query_y (Tensor): queries for the row (y) attention, (bs, Q, D).
            key_x (Tensor): one key per column, (bs, W, D).
            key_y (Tensor): one key per row, (bs, H, D).
            value (Tensor): the map, (bs, H, W, D).
            key_padding_mask (Tensor, optional): (bs, H, W), True at padding.

        Returns:
            Tensor: (bs, Q, D).
        """
        bs, height, width, dims = value.shape
        num_queries = query_x.size(1)
        pad_x = pad_y = None
        if key_padding_mask is not None:
            pad_x, pad_y = key_padding_mask[:, 0, :], key_padding_mask[:, :, 0]
        attn_x = self._attention(self.q_x_proj(query_x), self.k_x_proj(key_x), pad_x)
        attn_y = self._attention(self.q_y_proj(query_y), self.k_y_proj(key_y), pad_y)
        # v: (bs, heads, H, W, d). Contract the longer axis first (fewer multiplications).
        v = self.v_proj(value).unflatten(-1, (self.num_heads, -1)).permute(0, 3, 1, 2, 4)
        if height <= width:
            per_row = attn_x.unsqueeze(2) @ v  # (bs, heads, H, Q, d): over W
            out = torch.einsum('bnqh,bnhqd->bnqd', attn_y, per_row)
        else:
            per_col = attn_y.unsqueeze(2) @ v.transpose(2, 3)  # (bs, heads, W, Q, d)
            out = torch.einsum('bnqw,bnwqd->bnqd', attn_x, per_col)
        return self.out_proj(out.transpose(1, 2).reshape(bs, num_queries, dims))
