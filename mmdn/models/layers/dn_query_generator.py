"""The denoising (DN) part of DN-DETR (paper §4.3-4.5, Eqs. 5-7), for any DETR-like model.

:class:`DnQueryGenerator` turns a batch's ground truth into P groups of noised queries
that enter the decoder beside the L matching queries, and the attention mask of Eq. 7.
It is vectorised over images and groups: the only Python iteration is collecting each
image's boxes into one tensor.

Layout of the decoder's queries in training (per image, W = P * M + L)::

    [ group 0: M slots | group 1: M slots | ... | group P-1 | L matching queries ]

M is the largest GT count in the batch; an image with fewer objects leaves the tail of
each group as padding (zero content, anchor at the image centre with half its size),
which never reaches a loss. Slot ``p * M + m`` holds the p-th noised version of the
image's m-th object.

Follows the official implementation (IDEA-Research/DN-DETR, ``dn_components.py``) in:
the label embedding of ``num_classes + 1`` rows of ``embed_dims - 1`` plus a 1-bit
indicator; flipped labels drawn uniformly from the real classes; box noise relative to
the box size, clamped to [0, 1] in (cx, cy, w, h); padding inside the groups, which the
mask treats as part of their group. It differs in: separate centre-shift (λ1) and
box-scale (λ2) noise scales (the paper's notation; the official code has one λ for
both), an optional cap on the number of DN queries, and no loop over images or groups.
"""
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
from mmengine.model import BaseModule
from torch import Tensor, nn

from mmdet.models.layers.transformer.utils import inverse_sigmoid
from mmdet.registry import MODELS
from mmdet.structures import SampleList
from mmdet.structures.bbox import bbox_xyxy_to_cxcywh


def dn_attention_mask(num_groups: int, group_size: int, num_matching_queries: int,
                      device: Union[str, torch.device] = 'cpu') -> Tensor:
    """The self-attention mask of Eq. 7, True where query i may not see query j.

    a_ij = 1 if j < P*M and floor(i/M) != floor(j/M); a_ij = 1 if j < P*M and i >= P*M.

    Args:
        num_groups (int): P, the number of denoising groups.
        group_size (int): M, the number of queries in each group.
        num_matching_queries (int): the number of matching queries after them.

    Returns:
        Tensor: bool, shape (P*M + L, P*M + L).
    """
    num_dn = num_groups * group_size
    index = torch.arange(num_dn + num_matching_queries, device=device)
    # Matching queries form group P, which sees no denoising query.
    group = torch.div(index, max(group_size, 1), rounding_mode='floor').clamp(max=num_groups)
    return (index[None, :] < num_dn) & (group[:, None] != group[None, :])


@MODELS.register_module()
class DnQueryGenerator(BaseModule):
    """Builds the denoising queries, their anchors and the attention mask of Eq. 7.

    Args:
        num_classes (int): the number of real classes C; index C of the label
            embedding is the 'unknown' class, the content of every matching query.
        embed_dims (int): D, the width of a decoder query (label embedding D - 1
            plus the indicator).
        num_groups (int): P, the number of noised versions of each object. Default 5.
        label_noise_ratio (float): γ, the probability that a label is flipped to a
            class drawn uniformly from the C real classes. Default 0.2.
        box_noise_scale (float | tuple[float, float]): (λ1, λ2), the centre-shift and
            box-scale noise scales; one number sets both. Default 0.4.
        with_box_noise (bool): add box noise (Table 5 ablation). Default True.
        with_label_noise (bool): flip labels (Table 5 ablation). Default True.
        with_attn_mask (bool): return the mask of Eq. 7; without it every query sees
            every other (Table 5 ablation). Default True.
        max_dn_queries (int, optional): a cap on P * M. Beyond it the number of groups
            drops to ``max_dn_queries // M`` (at least 1), and where M alone exceeds it,
            each image denoises a random subset of ``max_dn_queries`` of its objects.
    """

    def __init__(self,
                 num_classes: int,
                 embed_dims: int,
                 num_groups: int = 5,
                 label_noise_ratio: float = 0.2,
                 box_noise_scale: Union[float, Sequence[float]] = 0.4,
                 with_box_noise: bool = True,
                 with_label_noise: bool = True,
                 with_attn_mask: bool = True,
                 max_dn_queries: Optional[int] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if isinstance(box_noise_scale, (int, float)):
            box_noise_scale = (box_noise_scale, box_noise_scale)
        box_noise_scale = tuple(float(s) for s in box_noise_scale)
        checks = {
            'num_classes': (num_classes, isinstance(num_classes, int) and num_classes >= 1,
                            'an int >= 1'),
            'embed_dims': (embed_dims, isinstance(embed_dims, int) and embed_dims >= 2,
                           'an int >= 2'),
            'num_groups': (num_groups, isinstance(num_groups, int) and num_groups >= 1,
                           'an int >= 1'),
            'label_noise_ratio': (label_noise_ratio, 0 <= label_noise_ratio <= 1,
                                  'in [0, 1]'),
            'box_noise_scale': (box_noise_scale, len(box_noise_scale) == 2 and all(
                0 <= s < 1 for s in box_noise_scale), '(λ1, λ2), each in [0, 1)'),
            'max_dn_queries': (max_dn_queries, max_dn_queries is None or (
                isinstance(max_dn_queries, int) and max_dn_queries >= 1), 'None or an int >= 1'),
        }
        for key, (value, ok, want) in checks.items():
            if not ok:
                raise ValueError(f'dn_cfg.{key} must be {want}, got {value!r}')
        self.num_classes = num_classes
        self.embed_dims = embed_dims
        self.num_groups = num_groups
        self.label_noise_ratio = label_noise_ratio
        self.center_noise_scale, self.size_noise_scale = box_noise_scale
        self.with_box_noise = with_box_noise
        self.with_label_noise = with_label_noise
        self.with_attn_mask = with_attn_mask
        self.max_dn_queries = max_dn_queries
        self.label_embedding = nn.Embedding(num_classes + 1, embed_dims - 1)

    def matching_content(self, num_queries: int) -> Tensor:
        """The content of the matching queries: the 'unknown' label, indicator 0.

        Returns:
            Tensor: shape (num_queries, D).
        """
        unknown = self.label_embedding.weight[self.num_classes]
        return torch.cat([unknown, unknown.new_zeros(1)]).expand(num_queries, -1)

    def _embed(self, labels: Tensor) -> Tensor:
        """Label embedding with indicator 1, (K,) -> (K, D)."""
        embedded = self.label_embedding(labels)
        return torch.cat([embedded, embedded.new_ones(embedded.shape[0], 1)], dim=1)

    @staticmethod
    def collect_targets(batch_data_samples: SampleList) -> Dict[str, Tensor]:
        """Concatenates the batch's ground truth.

        Returns:
            dict: ``labels`` (n,), ``boxes`` (n, 4) as (cx, cy, w, h) normalised by each
            image's ``img_shape``, ``factors`` (n, 4) that image's (w, h, w, h),
            ``batch_index`` (n,) and ``object_index`` (n,) the object's index in its image,
            and ``counts`` (bs,) on the CPU.
        """
        instances = [s.gt_instances for s in batch_data_samples]
        counts = torch.tensor([len(i) for i in instances])
        labels = torch.cat([i.labels for i in instances]).long()
        boxes = torch.cat([torch.as_tensor(i.bboxes) for i in instances])
        device = boxes.device
        sizes = torch.tensor([[s.img_shape[1], s.img_shape[0]] for s in batch_data_samples],
                             dtype=boxes.dtype)
        counts_dev = counts.to(device)
        factors = sizes.repeat(1, 2).to(device).repeat_interleave(counts_dev, dim=0)
        batch_index = torch.arange(len(instances), device=device).repeat_interleave(counts_dev)
        starts = (counts.cumsum(0) - counts).to(device)
        object_index = torch.arange(labels.numel(), device=device) - starts[batch_index]
        return dict(labels=labels, boxes=bbox_xyxy_to_cxcywh(boxes / factors),
                    factors=factors, batch_index=batch_index, object_index=object_index,
                    counts=counts)

    def _check_labels(self, labels: Tensor, batch_index: Tensor,
                      batch_data_samples: SampleList) -> None:
        bad = (labels < 0) | (labels >= self.num_classes)
        if bool(bad.any()):
            i = int(batch_index[bad.nonzero()[0, 0]])
            meta = batch_data_samples[i].metainfo
            name = meta.get('img_path', meta.get('img_id', f'#{i} of the batch'))
            raise ValueError(
                f'image {name}: ground-truth label {int(labels[bad][0])} is outside '
                f'[0, {self.num_classes}) (num_classes={self.num_classes})')

    def _subsample(self, targets: Dict[str, Tensor], cap: int) -> Dict[str, Tensor]:
        """Keeps a random ``cap`` objects of each image that has more."""
        batch_index = targets['batch_index']
        n = batch_index.numel()
        # Images stay in order, their objects are shuffled; rank = position in the image.
        order = (batch_index + torch.rand(n, device=batch_index.device)).argsort()
        starts = (targets['counts'].cumsum(0) - targets['counts']).to(batch_index.device)
        rank = torch.empty_like(order)
        rank[order] = torch.arange(n, device=order.device) - starts[batch_index[order]]
        keep = rank < cap
        kept = {k: v[keep] for k, v in targets.items() if k != 'counts'}
        kept['object_index'] = rank[keep]
        kept['counts'] = targets['counts'].clamp(max=cap)
        return kept

    def apply_box_noise(self, boxes: Tensor) -> Tensor:
        """Centre shift and box scaling of §4.3 on (cx, cy, w, h) boxes in [0, 1].

        cx += U(-1, 1) λ1 w / 2, cy += U(-1, 1) λ1 h / 2, w *= 1 + U(-1, 1) λ2,
        h *= 1 + U(-1, 1) λ2; then clamped to [0, 1].
        """
        scale = boxes.new_tensor([self.center_noise_scale / 2] * 2 +
                                 [self.size_noise_scale] * 2)
        noise = (torch.rand_like(boxes) * 2 - 1) * scale * boxes[:, [2, 3, 2, 3]]
        return (boxes + noise).clamp(min=0, max=1)

    def apply_label_noise(self, labels: Tensor) -> Tensor:
        """Label flipping of §4.3: each label becomes a uniform real class w.p. γ."""
        flip = torch.rand(labels.shape, device=labels.device) < self.label_noise_ratio
        return torch.where(flip, torch.randint_like(labels, self.num_classes), labels)

    def forward(self, batch_data_samples: SampleList, num_matching_queries: int
                ) -> Tuple[Tensor, Tensor, Optional[Tensor], Dict]:
        """Builds the denoising part of a training batch.

        Args:
            batch_data_samples (list[DetDataSample]): the batch, with ``gt_instances``
                (``bboxes`` in pixels (x1, y1, x2, y2), ``labels``) and ``img_shape``.
            num_matching_queries (int): L, the matching queries that follow.

        Returns:
            tuple: ``dn_query`` (bs, P*M, D); ``dn_anchor`` (bs, P*M, 4), the noised
            boxes before sigmoid; ``attn_mask`` (P*M + L, P*M + L) bool, or None without
            mask or without a denoising part; ``dn_meta``, a dict with ``num_dn_queries`` (P*M), ``num_groups`` (P),
            ``group_size`` (M) and, for the K = P * n real denoising queries of the
            batch, ``batch_index``, ``query_index`` (K,), their targets ``labels`` (K,)
            and ``boxes`` (K, 4) (normalised (cx, cy, w, h), before noise), and
            ``factors`` (K, 4). When no image has objects, P*M = 0.
        """
        targets = self.collect_targets(batch_data_samples)
        self._check_labels(targets['labels'], targets['batch_index'], batch_data_samples)
        group_size = int(targets['counts'].max()) if len(batch_data_samples) else 0
        num_groups = self.num_groups
        if self.max_dn_queries is not None and group_size * num_groups > self.max_dn_queries:
            num_groups = max(1, self.max_dn_queries // max(group_size, 1))
            if group_size > self.max_dn_queries:
                targets = self._subsample(targets, self.max_dn_queries)
                group_size = self.max_dn_queries
        num_dn = num_groups * group_size
        device = targets['boxes'].device
        dtype = self.label_embedding.weight.dtype

        # Every object repeated once per group: index k = p * n + i.
        n = targets['labels'].numel()
        group = torch.arange(num_groups, device=device).repeat_interleave(n)
        labels = targets['labels'].repeat(num_groups)
        boxes = targets['boxes'].repeat(num_groups, 1)
        noised_labels = self.apply_label_noise(labels) if self.with_label_noise else labels
        noised_boxes = self.apply_box_noise(boxes) if self.with_box_noise else boxes

        batch_index = targets['batch_index'].repeat(num_groups)
        query_index = group * group_size + targets['object_index'].repeat(num_groups)
        bs = len(batch_data_samples)
        dn_query = torch.zeros(bs, num_dn, self.embed_dims, device=device, dtype=dtype)
        dn_query[batch_index, query_index] = self._embed(noised_labels)
        dn_anchor = torch.zeros(bs, num_dn, 4, device=device, dtype=dtype)
        dn_anchor[batch_index, query_index] = inverse_sigmoid(noised_boxes).to(dtype)
        attn_mask = None
        if self.with_attn_mask and num_dn > 0:
            attn_mask = dn_attention_mask(num_groups, group_size, num_matching_queries, device)
        dn_meta = dict(
            num_dn_queries=num_dn, num_groups=num_groups, group_size=group_size,
            batch_index=batch_index, query_index=query_index, labels=labels, boxes=boxes,
            factors=targets['factors'].repeat(num_groups, 1))
        return dn_query, dn_anchor, attn_mask, dn_meta
