"""The denoising (DN) part of DN-DETR (paper §4.3-4.5, Eqs. 5-7), for any DETR-like model.

:class:`DnQueryGenerator` turns a batch's ground truth into P groups of noised queries
that enter the decoder beside the L matching queries, and the attention mask of Eq. 7;
its box part, :class:`DnBoxNoiser`, serves detectors whose denoising part is boxes alone.
It is vectorised over images and groups: the ground truth is padded once to a (bs, M)
grid and everything after works on the (bs, P*M) grid of slots, with no scatter and
no per-image or per-group operation.

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
import copy
import functools
import inspect
import itertools
from collections import OrderedDict
from typing import Callable, Dict, Optional, Sequence, Tuple, Union

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule
from torch import Tensor, nn

from mmdet.models.layers.transformer import inverse_sigmoid
from mmdet.registry import MODELS
from mmdet.structures import SampleList
from mmdet.structures.bbox import get_box_tensor
from mmdet.utils import ConfigType
from ..utils import host_tensor


class _MaskCache:
    """Least-recently-used boolean masks of Eq. 7, at most ``max_bytes`` of them."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.masks: 'OrderedDict[tuple, Tensor]' = OrderedDict()

    def get(self, key: tuple, build: Callable[[], Tensor]) -> Tensor:
        mask = self.masks.pop(key, None)
        if mask is None:
            mask = build()
        if mask.numel() <= self.max_bytes:
            self.masks[key] = mask
            while sum(m.numel() for m in self.masks.values()) > self.max_bytes:
                self.masks.popitem(last=False)
        return mask


#: Masks of the recent shapes; a bool is one byte, so this holds e.g. four masks of
#: 2,000 queries (400 objects in 5 groups) or a thousand of the demo's 80.
_MASKS = _MaskCache(max_bytes=16 * 2**20)


def dn_attention_mask(num_groups: int, group_size: int, num_matching_queries: int,
                      device: Union[str, torch.device] = 'cpu',
                      dtype: torch.dtype = torch.bool,
                      matching_sees_dn: bool = False,
                      num_matching_groups: int = 1) -> Tensor:
    """The self-attention mask of Eq. 7: query i may not see query j where it is set.

    The boolean masks of recent shapes are cached (at most 16 MiB of them; treat a
    returned boolean mask as read-only); an additive mask is made from it per call.

    a_ij = 1 if j < P*M and floor(i/M) != floor(j/M); a_ij = 1 if j < P*M and i >= P*M
    (the latter dropped with ``matching_sees_dn``, for known-object detection, §5.7.1).
    With K = ``num_matching_groups`` > 1 (Group DETR) the L matching queries are K
    groups of L / K that do not see each other either (a block-diagonal mask, and with
    P = 0 the whole of it); denoising queries still see every matching query.

    Args:
        num_groups (int): P, the number of denoising groups.
        group_size (int): M, the number of queries in each group.
        num_matching_queries (int): L, the number of matching queries after them.
        device (str | torch.device): where to build it.
        dtype (torch.dtype): ``torch.bool`` for True where a_ij = 1; a floating dtype
            for an additive mask, -inf where a_ij = 1 and 0 elsewhere.
        matching_sees_dn (bool): let the matching queries see every denoising query
            (the groups stay apart). Default False.
        num_matching_groups (int): K, dividing L. Default 1.

    Returns:
        Tensor: shape (P*M + L, P*M + L).
    """
    if num_matching_groups < 1 or num_matching_queries % num_matching_groups:
        raise ValueError(f'{num_matching_groups} matching groups do not divide '
                         f'{num_matching_queries} matching queries')
    device = torch.device(device)
    key = (num_groups, group_size, num_matching_queries, str(device), matching_sees_dn,
           num_matching_groups)
    mask = _MASKS.get(key, functools.partial(_eq7_mask, num_groups, group_size,
                                             num_matching_queries, device, matching_sees_dn,
                                             num_matching_groups))
    if dtype == torch.bool:
        return mask
    return mask.new_zeros(mask.shape, dtype=dtype).masked_fill_(mask, float('-inf'))


def _eq7_mask(num_groups: int, group_size: int, num_matching_queries: int,
              device: torch.device, matching_sees_dn: bool,
              num_matching_groups: int) -> Tensor:
    """The boolean mask of :func:`dn_attention_mask`."""
    num_dn = num_groups * group_size
    index = torch.arange(num_dn + num_matching_queries, device=device)
    is_dn = index < num_dn
    # Denoising group p = i // M; matching group k is group P + k.
    matching_size = num_matching_queries // num_matching_groups
    group = torch.where(is_dn, index.div(max(group_size, 1), rounding_mode='floor'),
                        num_groups + (index - num_dn).div(max(matching_size, 1),
                                                          rounding_mode='floor'))
    # Across groups, a query sees no denoising query, and a matching query nothing.
    mask = (group[:, None] != group[None, :]) & (is_dn[None, :] | ~is_dn[:, None])
    if matching_sees_dn:
        mask[num_dn:, :num_dn] = False
    return mask


def _check_values(checks: Dict[str, Tuple[object, bool, str]]) -> None:
    """Raises naming the first ``dn_cfg`` key whose value is not what it must be."""
    for key, (value, ok, want) in checks.items():
        if not ok:
            raise ValueError(f'dn_cfg.{key} must be {want}, got {value!r}')


@MODELS.register_module()
class DnBoxNoiser(BaseModule):
    """The box part of denoising (§4.3): P noised copies of every ground-truth box.

    For detectors whose denoising part is boxes alone (the RoIs of DN-Faster R-CNN,
    §4.8): no parameters, no label flipping, no queries and no attention mask;
    :class:`DnQueryGenerator` adds those for DETR-like decoders.

    Args:
        num_classes (int): the number of real classes C (labels are checked against
            it; ``num_classes`` marks the padding).
        num_groups (int): P, the number of noised versions of each object. Default 5.
        box_noise_scale (float | tuple[float, float]): (λ1, λ2), the centre-shift and
            box-scale noise scales; one number sets both. Default 0.4.
        with_box_noise (bool): add box noise (Table 5 ablation). Default True.
        max_dn_queries (int, optional): a cap on P * M. Beyond it the number of groups
            drops to ``max_dn_queries // M`` (at least 1), and where M alone exceeds it,
            each image denoises a random subset of ``max_dn_queries`` of its objects.
        check_labels (bool): also check labels held on an accelerator, at the cost of a
            device synchronisation a step (a debug switch: labels on the CPU are always
            checked, and mmdet's datasets with ``tools/train.py``'s class-count check
            give none out of range). Default False.
    """

    def __init__(self,
                 num_classes: int,
                 num_groups: int = 5,
                 box_noise_scale: Union[float, Sequence[float]] = 0.4,
                 with_box_noise: bool = True,
                 max_dn_queries: Optional[int] = None,
                 check_labels: bool = False,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if isinstance(box_noise_scale, (int, float)):
            box_noise_scale = (box_noise_scale, box_noise_scale)
        box_noise_scale = tuple(float(s) for s in box_noise_scale)
        _check_values({
            'num_classes': (num_classes, isinstance(num_classes, int) and num_classes >= 1,
                            'an int >= 1'),
            'num_groups': (num_groups, isinstance(num_groups, int) and num_groups >= 1,
                           'an int >= 1'),
            'box_noise_scale': (box_noise_scale, len(box_noise_scale) == 2 and all(
                0 <= s < 1 for s in box_noise_scale), '(λ1, λ2), each in [0, 1)'),
            'max_dn_queries': (max_dn_queries, max_dn_queries is None or (
                isinstance(max_dn_queries, int) and max_dn_queries >= 1), 'None or an int >= 1'),
        })
        self.num_classes = num_classes
        self.num_groups = num_groups
        self.center_noise_scale, self.size_noise_scale = box_noise_scale
        self.with_box_noise = with_box_noise
        self.max_dn_queries = max_dn_queries
        self.check_labels = check_labels
        # Half-width multipliers of the (cx, cy, w, h) noise, scaled by (w, h, w, h).
        self.register_buffer(
            'noise_scale',
            torch.tensor([self.center_noise_scale / 2] * 2 + [self.size_noise_scale] * 2),
            persistent=False)

    def collect_targets(self, batch_data_samples: SampleList) -> Dict[str, Tensor]:
        """The batch's ground truth, padded to M objects an image.

        The objects of all images are concatenated, normalised and converted once,
        then copied into the (bs, M) grid: a fixed number of operators for any batch.
        The grid's indices and the image sizes are laid out on the host and copied
        without blocking (:func:`host_tensor`).

        Returns:
            dict: ``labels`` (bs, M) with ``num_classes`` at padding, ``boxes``
            (bs, M, 4) as (cx, cy, w, h) normalised by each image's ``img_shape``
            (zero at padding), ``valid`` (bs, M) bool, ``image_sizes`` (bs, 4), each
            image's (w, h, w, h) in pixels, and the real slots: ``slots`` (K, ) their
            flat indices in the (bs * M) grid and ``objects`` (K, ) the object each
            holds among the batch's objects (0 .. K-1).
        """
        instances = [s.gt_instances for s in batch_data_samples]
        counts = [len(i) for i in instances]
        bs, group_size = len(counts), max(counts)
        labels = torch.cat([i.labels for i in instances])
        self._check_labels(labels, counts, batch_data_samples)
        boxes = torch.cat([get_box_tensor(i.bboxes) for i in instances])  # (K, 4) pixels
        sizes = [[s.img_shape[1], s.img_shape[0]] * 2 for s in batch_data_samples]
        # Each object's slot in the grid, and its image's (2w, 2h, w, h).
        slots = host_tensor([b * group_size + m for b, n in enumerate(counts)
                             for m in range(n)], torch.long, labels.device)
        factors = host_tensor([[2 * w, 2 * h, w, h] for (w, h, _, _), n in zip(sizes, counts)
                               for _ in range(n)], boxes.dtype, boxes.device).view(-1, 4)
        top_left, bottom_right = boxes.split(2, dim=-1)
        boxes = torch.cat([top_left + bottom_right, bottom_right - top_left], -1) / factors
        labels = labels.new_full((bs * group_size, ), self.num_classes).index_copy_(
            0, slots, labels).view(bs, group_size)
        boxes = boxes.new_zeros(bs * group_size, 4).index_copy_(0, slots, boxes).view(
            bs, group_size, 4)
        return dict(labels=labels, boxes=boxes, valid=labels.ne(self.num_classes),
                    image_sizes=host_tensor(sizes, boxes.dtype, boxes.device), slots=slots,
                    objects=host_tensor(list(range(len(slots))), torch.long, labels.device))

    def _check_labels(self, labels: Tensor, counts: Sequence[int],
                      batch_data_samples: SampleList) -> None:
        """Fails naming the image when a label is outside [0, num_classes).

        Labels on the CPU are checked on their memory (no operator); labels on another
        device only with ``check_labels`` (a device synchronisation).

        Args:
            labels (Tensor): (K, ) the labels of all images, concatenated.
            counts (list[int]): each image's number of objects.
        """
        if labels.device.type != 'cpu' and not self.check_labels:
            return
        labels = labels.cpu().numpy()
        bad = (labels < 0) | (labels >= self.num_classes)
        if bad.any():
            k = int(bad.nonzero()[0][0])
            i = next(i for i, end in enumerate(itertools.accumulate(counts)) if k < end)
            meta = batch_data_samples[i].metainfo
            name = meta.get('img_path', meta.get('img_id', f'#{i} of the batch'))
            raise ValueError(
                f'image {name}: ground-truth label {int(labels[k])} is outside '
                f'[0, {self.num_classes}) (num_classes={self.num_classes})')

    @staticmethod
    def _subsample(targets: Dict[str, Tensor], counts: Sequence[int],
                   cap: int) -> Dict[str, Tensor]:
        """Keeps ``cap`` random objects of each image (all of an image with fewer), in
        their order, the real ones first; ``index`` (bs, cap) gives each kept slot's
        object (its index among the image's objects), ``slots`` and ``objects`` the
        real slots of the (bs, cap) grid and their objects, laid out on the host.

        Args:
            counts (list[int]): each image's number of objects.
        """
        valid = targets['valid']
        keys = torch.rand(valid.shape, device=valid.device).masked_fill(~valid, 2.)
        keep = keys.topk(cap, dim=1, largest=False).indices.sort(dim=1).values
        slots = host_tensor([b * cap + m for b, n in enumerate(counts)
                             for m in range(min(n, cap))], torch.long, keep.device)
        starts = host_tensor(list(itertools.accumulate([0] + list(counts[:-1]))),
                             torch.long, keep.device)
        return dict(targets, labels=targets['labels'].gather(1, keep),
                    valid=valid.gather(1, keep), index=keep,
                    boxes=targets['boxes'].gather(1, keep[..., None].expand(-1, -1, 4)),
                    slots=slots,
                    objects=(starts[:, None] + keep).flatten().index_select(0, slots))

    def apply_box_noise(self, boxes: Tensor) -> Tensor:
        """Centre shift and box scaling of §4.3 on (..., 4) (cx, cy, w, h) boxes in [0, 1].

        cx += U(-1, 1) λ1 w / 2, cy += U(-1, 1) λ1 h / 2, w *= 1 + U(-1, 1) λ2,
        h *= 1 + U(-1, 1) λ2; then clamped to [0, 1].
        """
        size = boxes[..., 2:]
        half_range = torch.cat([size, size], dim=-1) * self.noise_scale
        return torch.addcmul(boxes, self.draw_box_noise(half_range), half_range).clamp_(
            min=0, max=1)

    def draw_box_noise(self, like: Tensor) -> Tensor:
        """The random part of :meth:`apply_box_noise`: U(-1, 1) of ``like``'s shape,
        (bs, P, M, 4). The one place box noise is drawn (a seam where a comparison with
        another implementation replays that one's draws)."""
        return torch.empty_like(like).uniform_(-1, 1)

    def noise_labels(self, labels: Tensor, clean: bool) -> Tensor:
        """The groups' labels (bs, P, M): unchanged here (no label noise)."""
        return labels

    def noised_groups(self, batch_data_samples: SampleList, clean: bool = False
                      ) -> Tuple[Tensor, Tensor, Dict]:
        """The P noised groups of the batch's ground truth.

        Args:
            batch_data_samples (list[DetDataSample]): the batch, with ``gt_instances``
                (``bboxes`` in pixels (x1, y1, x2, y2), ``labels``) and ``img_shape``.
            clean (bool): no noise: the P groups are the ground truth itself (given
                objects at inference, §5.7.1). Default False.

        Returns:
            tuple: ``labels`` (bs, P, M), after :meth:`noise_labels`; ``boxes``
            (bs, P, M, 4), noised normalised (cx, cy, w, h) in [0, 1]; ``dn_meta``, a
            dict with ``num_dn_queries`` (P*M), ``num_groups`` (P), ``group_size`` (M),
            ``num_targets`` (K, the real denoising queries of the batch), the
            targets of each image's M slots, the same in every group: ``labels``
            (bs, M) (``num_classes`` at padding), ``boxes`` (bs, M, 4) (normalised
            (cx, cy, w, h), before noise) and ``valid`` (bs, M) (bool), and
            ``image_sizes`` (bs, 4), each image's (w, h, w, h) in pixels; the real
            slots, ``slots`` (R, ) their flat indices in the (bs * M) grid, and
            ``objects`` (R, ), the object each holds among the batch's objects (all
            images' concatenated); after ``max_dn_queries`` subsampled objects, also
            ``index`` (bs, M), each slot's object within its image. When no image has
            objects, P*M = 0. Group p of an image is slot p of dim 1; the real slots of
            an image come first. K = P * R.
        """
        counts = [len(s.gt_instances) for s in batch_data_samples]
        group_size, num_groups = max(counts), self.num_groups
        targets = self.collect_targets(batch_data_samples)
        if self.max_dn_queries is not None and group_size * num_groups > self.max_dn_queries:
            num_groups = max(1, self.max_dn_queries // group_size)
            if group_size > self.max_dn_queries:
                targets = self._subsample(targets, counts, self.max_dn_queries)
                group_size = self.max_dn_queries
                counts = [min(n, group_size) for n in counts]
        # The (bs, M) ground truth broadcast to (bs, P, M), each group drawing its noise.
        shape = (len(counts), num_groups, group_size)
        labels = targets['labels'].view(shape[0], 1, group_size).expand(shape)
        boxes = targets['boxes'].view(shape[0], 1, group_size, 4).expand(*shape, 4)
        noised_labels, noised_boxes = self.noise_labels(labels, clean), boxes
        if self.with_box_noise and not clean:
            noised_boxes = self.apply_box_noise(boxes)
        dn_meta = dict(targets, num_dn_queries=num_groups * group_size,
                       num_groups=num_groups, group_size=group_size,
                       num_targets=num_groups * sum(counts))
        return noised_labels, noised_boxes, dn_meta


def gather_real_slots(t: Tensor, dn_meta: Dict) -> Tensor:
    """The real slots' rows of a per-query tensor of the denoising part.

    Args:
        t (Tensor): (bs, P*M, ...), group-major along dim 1 as the denoising queries.
        dn_meta (dict): the generator's (``num_groups``, ``group_size``, ``slots``).

    Returns:
        Tensor: (R, P, ...), the query of real slot r in group p at [r, p] (only these
        rows are copied).
    """
    groups = (dn_meta['num_groups'], dn_meta['group_size'])
    return t.unflatten(1, groups).transpose(1, 2).flatten(0, 1).index_select(
        0, dn_meta['slots'])


@MODELS.register_module()
class DnQueryGenerator(DnBoxNoiser):
    """Builds the denoising queries, their anchors and the attention mask of Eq. 7.

    :class:`DnBoxNoiser`'s noised boxes, plus label flipping, the label embedding with
    its indicator (§4.5) and the mask.

    Args:
        num_classes (int): the number of real classes C; index C of the label
            embedding is the 'unknown' class, the content of every matching query.
        embed_dims (int): D, the width of a decoder query (label embedding D - 1 plus
            the indicator).
        num_groups (int): P, the number of noised versions of each object. Default 5.
        label_noise_ratio (float): γ, the probability that a label is flipped to a
            class drawn uniformly from the C real classes. Default 0.2.
        box_noise_scale (float | tuple[float, float]): (λ1, λ2), see
            :class:`DnBoxNoiser`. Default 0.4.
        with_box_noise (bool): add box noise (Table 5 ablation). Default True.
        with_label_noise (bool): flip labels (Table 5 ablation). Default True.
        with_attn_mask (bool): return the mask of Eq. 7; without it every query sees
            every other (Table 5 ablation). Default True.
        matching_sees_dn (bool): drop the mask's block that hides the denoising part
            from the matching queries, keeping the groups apart (known-object detection,
            §5.7.1). Default False.
        max_dn_queries (int, optional): a cap on P * M, see :class:`DnBoxNoiser`.
        check_labels (bool): see :class:`DnBoxNoiser`. Default False.
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
                 matching_sees_dn: bool = False,
                 max_dn_queries: Optional[int] = None,
                 check_labels: bool = False,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(num_classes, num_groups=num_groups, box_noise_scale=box_noise_scale,
                         with_box_noise=with_box_noise, max_dn_queries=max_dn_queries,
                         check_labels=check_labels, init_cfg=init_cfg)
        _check_values({
            'embed_dims': (embed_dims, isinstance(embed_dims, int) and embed_dims >= 2,
                           'an int >= 2'),
            'label_noise_ratio': (label_noise_ratio, 0 <= label_noise_ratio <= 1,
                                  'in [0, 1]'),
        })
        self.embed_dims = embed_dims
        self.label_noise_ratio = label_noise_ratio
        self.with_label_noise = with_label_noise
        self.with_attn_mask = with_attn_mask
        self.matching_sees_dn = matching_sees_dn
        self.label_embedding = nn.Embedding(num_classes + 1, embed_dims - 1)
        # The indicator: 1 for the real classes (denoising queries), 0 for 'unknown'.
        self.register_buffer('indicator', (torch.arange(num_classes + 1) < num_classes)
                             .float()[:, None], persistent=False)

    def content_table(self) -> Tensor:
        """The label embedding with the indicator as its last column: (C + 1, D)."""
        return torch.cat([self.label_embedding.weight, self.indicator], dim=1)

    def matching_content(self, num_queries: int) -> Tensor:
        """The content of the matching queries: the 'unknown' label, indicator 0.

        Returns:
            Tensor: shape (num_queries, D).
        """
        return self.content_table()[self.num_classes].expand(num_queries, -1)

    def apply_label_noise(self, labels: Tensor) -> Tensor:
        """Label flipping of §4.3: each label becomes a uniform real class w.p. γ."""
        chance, classes = self.draw_label_noise(labels)
        return torch.where(chance < self.label_noise_ratio, classes, labels)

    def draw_label_noise(self, labels: Tensor) -> Tuple[Tensor, Tensor]:
        """The random part of :meth:`apply_label_noise` for (bs, P, M) labels: U(0, 1)
        draws (a label flips where its draw is below γ) and uniform real classes (what
        it flips to), each of ``labels``' shape. The one place label noise is drawn (see
        :meth:`draw_box_noise`)."""
        return (torch.rand(labels.shape, device=labels.device),
                torch.randint_like(labels, self.num_classes))

    def noise_labels(self, labels: Tensor, clean: bool) -> Tensor:
        """The groups' labels (bs, P, M), flipped with probability γ unless ``clean``
        or without ``with_label_noise``."""
        if self.with_label_noise and not clean:
            return self.apply_label_noise(labels)
        return labels

    def forward(self, batch_data_samples: SampleList, num_matching_queries: int,
                mask_dtype: torch.dtype = torch.bool, clean: bool = False,
                num_matching_groups: int = 1
                ) -> Tuple[Tensor, Tensor, Optional[Tensor], Dict]:
        """Builds the denoising queries of a training batch for a DETR-like decoder.

        Args:
            batch_data_samples (list[DetDataSample]): the batch (see
                :meth:`noised_groups`).
            num_matching_queries (int): L, the matching queries that follow.
            mask_dtype (torch.dtype): the mask's form, see :func:`dn_attention_mask`.
            clean (bool): noise-free groups, see :meth:`noised_groups`.
            num_matching_groups (int): K, the groups of matching queries that may not
                see each other (Group DETR); 1 by default.

        Returns:
            tuple: ``dn_query`` (bs, P*M, D), slot ``p * M + m`` holding the p-th
            noised version of the image's m-th object; ``dn_anchor`` (bs, P*M, 4), the
            noised boxes before sigmoid; ``attn_mask`` (P*M + L, P*M + L): Eq. 7 with
            the matching groups apart, only the matching groups apart without
            ``with_attn_mask``, or None with neither mask nor groups (or neither a
            denoising part nor groups); ``dn_meta`` of :meth:`noised_groups`.
        """
        return self.queries(*self.noised_groups(batch_data_samples, clean),
                            num_matching_queries, mask_dtype, num_matching_groups)

    def queries(self, noised_labels: Tensor, noised_boxes: Tensor, dn_meta: Dict,
                num_matching_queries: int, mask_dtype: torch.dtype = torch.bool,
                num_matching_groups: int = 1
                ) -> Tuple[Tensor, Tensor, Optional[Tensor], Dict]:
        """:meth:`forward` from :meth:`noised_groups`'s output, for callers that also
        need the noised boxes themselves."""
        bs, num_groups, group_size = noised_labels.shape
        num_dn = dn_meta['num_dn_queries']
        # Padding slots get zero content and a zero anchor (the image centre, half size).
        keep = dn_meta['valid'].view(bs, 1, group_size, 1).to(self.indicator.dtype)
        dn_query = F.embedding(noised_labels, self.content_table()) * keep
        # The official inverse sigmoid, eps 1e-3: a coordinate clamped to 0 or 1 sits
        # at logit ±log(1000) = ±6.908, where the sigmoid still passes 1e-3 of the
        # gradient. (torch.logit clamps x itself to [eps, 1 - eps]: ±log(999), 1e-3 off
        # the official anchor of every box noised to the border.)
        dn_anchor = inverse_sigmoid(noised_boxes, eps=1e-3) * keep
        attn_mask = None
        if self.with_attn_mask and (num_dn > 0 or num_matching_groups > 1):
            attn_mask = dn_attention_mask(num_groups, group_size, num_matching_queries,
                                          dn_query.device, mask_dtype, self.matching_sees_dn,
                                          num_matching_groups)
        elif num_matching_groups > 1:  # no Eq. 7: only the matching groups stay apart
            attn_mask = torch.zeros(num_dn + num_matching_queries,
                                    num_dn + num_matching_queries, dtype=mask_dtype,
                                    device=dn_query.device)
            attn_mask[num_dn:, num_dn:] = dn_attention_mask(
                0, 0, num_matching_queries, dn_query.device, mask_dtype,
                num_matching_groups=num_matching_groups)
        dn_query = dn_query.view(bs, num_dn, self.embed_dims)
        return dn_query, dn_anchor.view(bs, num_dn, 4), attn_mask, dn_meta


def build_dn_query_generator(dn_cfg: ConfigType, default_type: str = 'DnQueryGenerator',
                             **model_values) -> DnBoxNoiser:
    """Builds a generator from a model's ``dn_cfg``, filling in what the model fixes.

    Args:
        dn_cfg (dict): the generator's config.
        default_type (str): its ``type`` when ``dn_cfg`` has none.
        **model_values: the values the model fixes (e.g. ``num_classes``,
            ``embed_dims``); a ``dn_cfg`` that sets another value is refused, naming
            the key, and so is a key that is not an option of the generator.
    """
    dn_cfg = copy.deepcopy(dict(dn_cfg))
    dn_cfg.setdefault('type', default_type)
    for key, value in model_values.items():
        if dn_cfg.setdefault(key, value) != value:
            raise ValueError(f'dn_cfg.{key}={dn_cfg[key]} disagrees with the model '
                             f'({value}); leave it out of dn_cfg')
    generator = MODELS.get(dn_cfg['type'])
    options = inspect.signature(generator.__init__).parameters
    for key in dn_cfg:
        if key != 'type' and key not in options:
            raise ValueError(f'dn_cfg.{key} is not an option of {generator.__name__} '
                             f'(options: {", ".join(k for k in options if k != "self")})')
    return MODELS.build(dn_cfg)
