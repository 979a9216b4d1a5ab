"""Group-DAB-DETR: DAB-DETR trained with Group DETR's K query groups (Table 3)."""
from typing import Dict, Optional, Tuple

from torch import Tensor, nn

from mmdet.models.detectors import DABDETR
from mmdet.registry import MODELS
from mmdet.utils import ConfigType
from ..layers import GroupedConditionalSelfAttention, QueryGroups
from .masked_decoders import MaskedDABDecoderMixin


@MODELS.register_module()
class GroupDABDETR(MaskedDABDecoderMixin, DABDETR):
    """DAB-DETR with Group DETR's group-wise one-to-many assignment (Chen et al. 2022).

    In training the decoder runs K groups of matching queries, each with its own learnt
    anchors (and pattern embeddings, with ``num_patterns``), through the same layers;
    self-attention stays inside a group (the block-diagonal mask of
    :func:`dn_attention_mask` with K matching groups, computed group by group as the
    official Group DETR code does: :class:`GroupedConditionalSelfAttention`), and the
    head assigns and normalises each group on its own (:class:`GroupDABDETRHead`). At
    inference only the first group runs, so inference costs what DAB-DETR costs.

    Args:
        num_query_groups (int): K, at least 1 (the paper's 11); also given to the head.
        bbox_head (dict): the head's config, a :class:`GroupDABDETRHead`.
    """

    def __init__(self, *args, num_query_groups: int = 11, bbox_head: ConfigType,
                 **kwargs) -> None:
        if not isinstance(num_query_groups, int) or num_query_groups < 1:
            raise ValueError(f'model.num_query_groups must be an int >= 1, got '
                             f'{num_query_groups!r}')
        head_groups = bbox_head.get('num_query_groups', num_query_groups)
        if head_groups != num_query_groups:
            raise ValueError(f'model.bbox_head.num_query_groups={head_groups} disagrees '
                             f'with model.num_query_groups={num_query_groups}; leave it out '
                             'of the head')
        self.num_query_groups = num_query_groups
        super().__init__(*args, bbox_head=dict(bbox_head, num_query_groups=num_query_groups),
                         **kwargs)

    def _init_layers(self) -> None:
        """DAB-DETR's layers with K sets of anchors (and of patterns) and decoder
        self-attention that computes the groups apart (same parameters)."""
        super()._init_layers()
        for layer in self.decoder.layers:
            layer.self_attn = GroupedConditionalSelfAttention(**layer.self_attn_cfg)
        self.query_embedding = nn.Embedding(self.num_queries * self.num_query_groups,
                                            self.query_dim)
        if self.num_patterns > 0:
            self.patterns = nn.Embedding(self.num_patterns * self.num_query_groups,
                                         self.embed_dims)

    @property
    def active_query_groups(self) -> int:
        """The groups the decoder runs: K in training, the first one otherwise."""
        return self.num_query_groups if self.training else 1

    def pre_decoder(self, memory: Tensor) -> Tuple[Dict, Dict]:
        """The matching queries of the active groups, group-major; within a group
        DAB-DETR's layout (query ``p * N + n``: pattern p, anchor n).

        Args:
            memory (Tensor): (bs, num_feat_points, D).

        Returns:
            tuple[dict, dict]: decoder inputs ``query`` (bs, K * Lg, D), ``query_pos``
            (bs, K * Lg, 4) anchors before sigmoid and ``memory``; no head inputs.
        """
        bs = memory.size(0)
        groups, num_anchors = self.active_query_groups, self.num_queries
        anchors = self.query_embedding.weight[:groups * num_anchors].view(
            groups, 1, num_anchors, self.query_dim)
        num_patterns = max(self.num_patterns, 1)
        query_pos = anchors.expand(-1, num_patterns, -1, -1).reshape(-1, self.query_dim)
        if self.num_patterns == 0:
            query = memory.new_zeros(bs, query_pos.size(0), self.embed_dims)
        else:
            patterns = self.patterns.weight[:groups * num_patterns].view(
                groups, num_patterns, 1, self.embed_dims)
            query = patterns.expand(-1, -1, num_anchors, -1).reshape(
                -1, self.embed_dims).expand(bs, -1, -1)
        return dict(query=query, query_pos=query_pos.expand(bs, -1, -1), memory=memory), {}

    def matching_sees_only_its_group(self) -> bool:
        """Hook: whether a matching query sees its own group and nothing else (no
        denoising query), so that self-attention can run group by group."""
        return True

    def forward_decoder(self, query: Tensor, query_pos: Tensor, memory: Tensor,
                        memory_mask: Tensor, memory_pos: Tensor,
                        self_attn_mask: Optional[Tensor] = None, **decoder_kwargs) -> Dict:
        """DAB-DETR's decoder pass with the active groups apart in self-attention.

        Args:
            query (Tensor): (bs, W, D), W = P*M + K*Lg: a denoising part (a DN model's)
                before the K matching groups.
            self_attn_mask (Tensor, optional): (W, W), a DN model's mask, which keeps
                the groups apart too. With K > 1 groups and
                :meth:`matching_sees_only_its_group`, only its P*M denoising rows are
                used; otherwise it is applied as it is.

        Returns:
            dict: ``hidden_states`` (num_layers, bs, W, D) and ``references``
            (num_layers, bs, W, 4).
        """
        groups = self.active_query_groups
        if groups > 1 and self.matching_sees_only_its_group():
            num_dn = query.size(1) - groups * self.num_queries * max(self.num_patterns, 1)
            self_attn_mask = QueryGroups(
                groups, self_attn_mask[:num_dn] if num_dn > 0 else None)
        return super().forward_decoder(query, query_pos, memory, memory_mask, memory_pos,
                                       self_attn_mask, **decoder_kwargs)
