"""Decoder self-attention over Group DETR's query groups, one group at a time."""
from typing import NamedTuple, Optional, Tuple, Union

import torch
from torch import Tensor

from mmdet.models.layers.transformer.utils import ConditionalAttention


class QueryGroups(NamedTuple):
    """The self-attention mask of Eq. 7 with K matching groups, as a structure.

    The W = P*M + K*Lg queries are P*M denoising queries, then K matching groups of Lg
    queries. A matching query sees its own group only; the denoising rows of Eq. 7's
    mask say what each denoising query sees.

    Attributes:
        num_groups (int): K.
        dn_rows (Tensor, optional): (P*M, W) the denoising queries' rows of the mask
            (additive 0 / -inf, or boolean True where hidden); None without a
            denoising part.
    """
    num_groups: int
    dn_rows: Optional[Tensor] = None


class GroupedConditionalSelfAttention(ConditionalAttention):
    """DAB-DETR's decoder self-attention that computes K query groups apart.

    Given a dense mask (or None) it is :class:`ConditionalAttention`. Given
    :class:`QueryGroups`, the K matching groups go into the batch dimension, (bs, K*Lg,
    D) -> (bs*K, Lg, D), and attend without a mask, as the official Group DETR code
    does; the P*M denoising rows attend to all W keys under their rows of the mask. The
    result equals the dense masked attention (a masked logit adds exp(-inf) = 0 to the
    softmax) at K*Lg^2 + P*M*W logits instead of W^2: with Table 3's 11 groups of 300,
    3,300 queries, 11x fewer, and no (W, W) mask.
    """

    def forward_attn(self, query: Tensor, key: Tensor, value: Tensor,
                     attn_mask: Union[Tensor, QueryGroups, None] = None,
                     key_padding_mask: Optional[Tensor] = None
                     ) -> Tuple[Tensor, Optional[Tensor]]:
        """Attention of the projected queries, keys and values.

        Args:
            query, key, value (Tensor): (bs, W, D), the projected queries (content +
                position), keys (content + position) and values.
            attn_mask (Tensor | QueryGroups, optional): a (W, W) mask, or the groups.
            key_padding_mask (Tensor, optional): (bs, W); not with groups.

        Returns:
            tuple: the output (bs, W, D) and, without groups, the head-averaged
            attention weights (bs, W, W); None in their place with groups.
        """
        if not isinstance(attn_mask, QueryGroups):
            return super().forward_attn(query, key, value, attn_mask, key_padding_mask)
        if key_padding_mask is not None:
            raise ValueError('grouped self-attention takes no key_padding_mask')
        bs, num_queries = query.shape[:2]
        num_dn = 0 if attn_mask.dn_rows is None else attn_mask.dn_rows.size(0)
        groups = attn_mask.num_groups
        if (num_queries - num_dn) % groups:
            raise ValueError(f'{num_queries - num_dn} matching queries do not form '
                             f'{groups} groups')

        def by_group(x: Tensor) -> Tensor:
            return x[:, num_dn:].reshape(bs * groups, -1, x.size(-1))

        matching = super().forward_attn(by_group(query), by_group(key), by_group(value))[0]
        matching = matching.reshape(bs, num_queries - num_dn, -1)
        if num_dn == 0:
            return matching, None
        dn = super().forward_attn(query[:, :num_dn], key, value, attn_mask.dn_rows)[0]
        return torch.cat([dn, matching], dim=1), None
