"""Training parity with the official DN-DETR: the same weights, batches and noise in both
codes, and what each does with them, side by side.

Both run in one process on the CPU. The official model is built from a checkout
(:mod:`mmdn.analysis.official_dn_detr`) and converted to this repository's model by the
converter (:mod:`mmdn.converters`), so both start from the same weights. For each batch,
the official ``prepare_for_dn`` draws its noise (:class:`NoiseReplay`), and exactly those
draws are replayed in this repository's generator through its draw methods
(``draw_label_noise``, ``draw_box_noise``): each code then applies its own noise formula.
:class:`OfficialTrainer` and :class:`MmdnTrainer` each take a training step and record a
:class:`StepRecord` (the assignment of every decoder layer, every weighted loss term,
every parameter's gradient and update under this repository's names);
:func:`run_in_lockstep` starts every step of both from the same state and reduces each
step's gradients and updates to :class:`TensorDiffs` as soon as both codes have taken it
(only one step's tensors are held at a time), and :func:`compare` turns the two runs and
their differences into the table of :class:`Row`.

The 80 / 91 class slots: the official class branches have 91 slots indexed by COCO id,
11 of which are no category. Their biases are set to -30 before the conversion, so that
their focal terms (which this repository's 80-slot head does not have) are below 1e-38.
"""
import contextlib
import dataclasses
import math
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Optional, Sequence, Set, Tuple

import torch
from torch import Tensor, nn

from mmdet.registry import MODELS
from mmdn.converters import COCO_CATEGORY_IDS, convert_official, official_family

#: Losses the official criterion logs but does not weigh (not in ``weight_dict``):
#: ``class_error`` (top-1 error of matched queries), ``cardinality_error`` (count of
#: non-empty predictions vs objects), ``loss_xy`` / ``loss_hw`` (``loss_bbox`` split
#: into centre and size), ``tgt_class_error``; none reaches the gradient.
LOGGED_ONLY = ('class_error', 'cardinality_error', 'loss_xy', 'loss_hw', 'tgt_class_error')

#: Official loss names to mmdet's.
_LOSS_NAMES = {'loss_ce': 'loss_cls', 'loss_bbox': 'loss_bbox', 'loss_giou': 'loss_iou'}

#: The bias of the official class slots that are no COCO category.
NON_CATEGORY_BIAS = -30.
#: Those slots: the ids of [0, 91) that are no COCO category.
NON_CATEGORY_IDS = tuple(i for i in range(91) if i not in COCO_CATEGORY_IDS)


@dataclasses.dataclass
class Batch:
    """One batch of both codes' input.

    Attributes:
        images (list[Tensor]): (3, h, w) normalised images, each its own size.
        boxes (list[Tensor]): (n, 4) normalised (cx, cy, w, h) objects of each image.
        labels (list[Tensor]): (n, ) the objects' labels in [0, 80).
    """
    images: List[Tensor]
    boxes: List[Tensor]
    labels: List[Tensor]

    def padded(self) -> Tuple[Tensor, Tensor]:
        """The images padded at the bottom right to the batch's largest size, (bs, 3, H,
        W), and the padding mask (bs, H, W), True outside each image."""
        height = max(i.shape[1] for i in self.images)
        width = max(i.shape[2] for i in self.images)
        inputs = self.images[0].new_zeros(len(self.images), 3, height, width)
        mask = torch.ones(len(self.images), height, width, dtype=torch.bool)
        for i, image in enumerate(self.images):
            inputs[i, :, :image.shape[1], :image.shape[2]] = image
            mask[i, :image.shape[1], :image.shape[2]] = False
        return inputs, mask


def parity_batches(num_batches: int, sizes: Sequence[Tuple[int, int]], seed: int = 0,
                   max_objects: int = 6) -> List[Batch]:
    """``num_batches`` batches of two images that exercise what decides training: images
    of different sizes (padding), different object counts (padding slots in the
    denoising groups), one image without objects in the second batch, and boxes that
    touch the image border (noise clamped to [0, 1]).

    Args:
        sizes (list[tuple]): (h, w) of the images, used in turn.
    """
    gen = torch.Generator().manual_seed(seed)
    batches = []
    for b in range(num_batches):
        images, boxes, labels = [], [], []
        for i in range(2):
            h, w = sizes[(2 * b + i) % len(sizes)]
            count = (3, 5)[i] if b == 0 else 0 if (b, i) == (1, 0) else int(
                torch.randint(1, max_objects + 1, (1, ), generator=gen))
            top_left = torch.rand(count, 2, generator=gen) * 0.6
            size = torch.rand(count, 2, generator=gen) * 0.35 + 0.05
            bottom_right = torch.minimum(top_left + size, torch.ones(()))
            if count:  # the first object touches the left and top border, the last the right
                top_left[0] = 0
                bottom_right[-1, 0] = 1
            boxes.append(torch.cat([(top_left + bottom_right) / 2, bottom_right - top_left], 1))
            labels.append(torch.randint(80, (count, ), generator=gen))
            images.append(torch.randn(3, h, w, generator=gen))
        batches.append(Batch(images, boxes, labels))
    return batches


@dataclasses.dataclass
class StepRecord:
    """What one code did with one batch, in this repository's names.

    Attributes:
        assignments (Tensor): (num_layers, bs, L) the object each matching query is
            assigned to in each decoder layer, -1 for none.
        losses (dict[str, float]): every weighted loss term (mmdet's names:
            ``loss_cls``, ``d0.dn_loss_iou``, ...).
        grads (dict[str, Tensor]): every parameter's gradient (before clipping).
        grad_norm (float): the norm of all gradients, before clipping.
        updates (dict[str, Tensor]): what the optimizer step changed in each parameter.
        param_norms (dict[str, float]): each parameter's norm after the step.
        as_is (dict[str, float]): the official run only: its loss terms with the GIoU
            epsilon it ships (see :data:`OFFICIAL_GIOU_EPS`), of the same outputs.
    """
    assignments: Tensor
    losses: Dict[str, float]
    grads: Dict[str, Tensor]
    grad_norm: float
    updates: Dict[str, Tensor]
    param_norms: Dict[str, float]
    as_is: Dict[str, float] = dataclasses.field(default_factory=dict)


def official_loss_name(name: str) -> Optional[str]:
    """mmdet's name of an official loss entry (``tgt_loss_giou_3`` -> ``d3.dn_loss_iou``),
    or None for the logged-only ones (:data:`LOGGED_ONLY`)."""
    layer = ''
    base = name
    head, _, tail = name.rpartition('_')
    if tail.isdigit():
        base, layer = head, f'd{tail}.'
    dn = base.startswith('tgt_')
    base = base[len('tgt_'):] if dn else base
    if base not in _LOSS_NAMES:
        return None
    return layer + ('dn_' if dn else '') + _LOSS_NAMES[base]


def _assignment_grid(pairs: Sequence[Tuple[Tensor, Tensor]], num_queries: int) -> Tensor:
    """(bs, L): per image the object of each query from (query, object) index pairs."""
    grid = torch.full((len(pairs), num_queries), -1, dtype=torch.long)
    for i, (queries, objects) in enumerate(pairs):
        grid[i, queries.long()] = objects.long()
    return grid


def mask_non_categories(model: nn.Module) -> None:
    """Sets the bias of the official class slots that are no COCO category to
    :data:`NON_CATEGORY_BIAS` in every class branch."""
    with torch.no_grad():
        for name, param in model.named_parameters():
            if name.startswith('class_embed') and name.endswith('bias') and len(param) == 91:
                param[list(NON_CATEGORY_IDS)] = NON_CATEGORY_BIAS


def official_grads(model: nn.Module, family: str) -> Dict[str, Tensor]:
    """The official model's gradients under this repository's names (the converter's
    own mapping; a shared parameter appears under each of its names)."""
    state = model.state_dict(keep_vars=True)
    grads = {k: v.grad for k, v in state.items()
             if isinstance(v, nn.Parameter) and v.grad is not None}
    # The decoder's copy of the head's box branch is the same parameter.
    return convert_official(grads, family)[0]


def _category_index() -> Tensor:
    """COCO id -> label in [0, 80) (-1 elsewhere), for ids 0 ... 91."""
    index = torch.full((92, ), -1, dtype=torch.long)
    index[torch.tensor(COCO_CATEGORY_IDS)] = torch.arange(80)
    return index


def replayed_draws(draw: Dict[str, Tensor], counts: Sequence[int], num_groups: int
                   ) -> Tuple[Tuple[Tensor, Tensor], Tensor]:
    """The official draws of one batch in this repository's (bs, P, M) layout.

    The official code lays the K objects of the batch out group by group (element
    ``p * K + k``, objects of all images concatenated); this repository per image, group
    and slot (``[b, p, m]``, m < M the largest count). Padding slots get no flip and zero
    box noise.

    Returns:
        tuple: ``(chance, classes)`` for ``draw_label_noise`` and the U(-1, 1) box-noise
        draws for ``draw_box_noise``, each (bs, P, M[, 4]).
    """
    bs, size, total = len(counts), max(counts), sum(counts)
    starts = torch.tensor([0] + list(counts[:-1])).cumsum(0)
    b, p, m = torch.meshgrid(torch.arange(bs), torch.arange(num_groups), torch.arange(size),
                             indexing='ij')
    real = m < torch.tensor(counts)[b]
    flat = (p * total + starts[b] + m)[real]
    chance = torch.ones(bs, num_groups, size)
    classes = torch.zeros(bs, num_groups, size, dtype=torch.long)
    box = torch.zeros(bs, num_groups, size, 4)
    if 'label_p' in draw:
        chance = chance.to(draw['label_p'].dtype)
        chance[real] = draw['label_p'][flat]
        new = torch.zeros_like(draw['label_p'], dtype=torch.long)
        new[draw['flipped'].long()] = _category_index()[draw['new_labels'].long()]
        classes[real] = new[flat]
    if 'box_u' in draw:
        box = box.to(draw['box_u'].dtype)
        box[real] = draw['box_u'][flat] * 2 - 1.0
    return (chance, classes), box


@contextlib.contextmanager
def replaying(generator: nn.Module, label_draws: Tuple[Tensor, Tensor],
              box_draws: Tensor) -> Iterator[None]:
    """This repository's generator draws ``label_draws`` and ``box_draws`` (moved to
    the tensors' device and dtype) instead of random numbers, for the block."""
    def labels(like: Tensor) -> Tuple[Tensor, Tensor]:
        chance, classes = label_draws
        return chance.to(like.device), classes.to(like)

    def boxes(like: Tensor) -> Tensor:
        return box_draws.to(like)

    generator.draw_label_noise, generator.draw_box_noise = labels, boxes
    try:
        yield
    finally:
        del generator.draw_label_noise, generator.draw_box_noise


def grad_norm(grads: Sequence[Tensor]) -> float:
    """The 2-norm of all gradients together (what clipping compares with its maximum)."""
    return math.sqrt(sum(float(g.double().pow(2).sum()) for g in grads))


class CallRecorder:
    """Wraps a callable, keeping each call's result in order."""

    def __init__(self, call: Callable) -> None:
        self.call, self.results = call, []

    def __call__(self, *args, **kwargs):
        result = self.call(*args, **kwargs)
        self.results.append(result)
        return result


def _settings(model: nn.Module, optimizer: torch.optim.Optimizer) -> Dict[str, Tensor]:
    """Each parameter's (lr, weight decay) from its optimizer group, (*shape, 2) for
    a parameter of that shape (so that the converter maps them as the parameter)."""
    group_of = {id(p): g for g in optimizer.param_groups for p in g['params']}
    out = {}
    for name, value in model.state_dict(keep_vars=True).items():
        group = group_of.get(id(value))
        if group is not None:
            out[name] = torch.tensor([group['lr'], group['weight_decay']],
                                     dtype=torch.float64).expand(*value.shape, 2)
    return out


def _compact(settings: Dict[str, Tensor]) -> Dict[str, Tensor]:
    """Each parameter's distinct (lr, weight decay) rows, (n, 2) (n = 1 for a parameter
    in one group)."""
    return {k: torch.unique(v.reshape(-1, 2), dim=0) for k, v in settings.items()}


def _adam_state(model: nn.Module, optimizer: torch.optim.Optimizer
                ) -> Tuple[Dict[str, Tensor], Dict[str, Tensor], float]:
    """AdamW's first and second moments by parameter name, and its step count."""
    avg, avg_sq, step = {}, {}, 0.
    for name, value in model.state_dict(keep_vars=True).items():
        state = optimizer.state.get(value) if isinstance(value, nn.Parameter) else None
        if state:
            avg[name], avg_sq[name] = state['exp_avg'], state['exp_avg_sq']
            step = float(state['step'])
    return avg, avg_sq, step


#: The number the official GIoU (``util/box_ops.py``) adds to the union and to the
#: enclosing area of normalised boxes; mmdet's GIoU adds none.
OFFICIAL_GIOU_EPS = 1e-6


class OfficialTrainer:
    """The official training step (``engine.train_one_epoch`` without AMP) with the
    official optimizer (``main.py``: AdamW, backbone parameters at ``lr_backbone``,
    weight decay on all, gradient clipping at ``clip_max_norm``), inside
    :func:`~mmdn.analysis.official_dn_detr.official_code`; its noise drawn by
    :class:`~mmdn.analysis.official_dn_detr.NoiseReplay` from ``generator``.

    The step runs inside ``official_giou_epsilon(0)`` (the caller's): everything is
    compared with the official GIoU epsilon removed, and the loss terms with it,
    recomputed from the same outputs, measure what it changes.
    """

    def __init__(self, model: nn.Module, criterion: nn.Module, args,
                 generator: torch.Generator) -> None:
        from .official_dn_detr import NoiseReplay
        self.model, self.criterion, self.args = model, criterion, args
        self.family = official_family(model.state_dict())
        param_dicts = [
            {'params': [p for n, p in model.named_parameters()
                        if 'backbone' not in n and p.requires_grad]},
            {'params': [p for n, p in model.named_parameters()
                        if 'backbone' in n and p.requires_grad], 'lr': args.lr_backbone},
        ]
        self.optimizer = torch.optim.AdamW(param_dicts, lr=args.lr,
                                           weight_decay=args.weight_decay)
        self.settings = _compact(convert_official(_settings(model, self.optimizer),
                                                  self.family)[0])
        self.replay = NoiseReplay(generator, keep_first_flip=True)
        self.matcher = CallRecorder(criterion.matcher.forward)
        criterion.matcher.forward = self.matcher
        module = __import__(type(model).__module__, fromlist=['prepare_for_dn'])
        self.prepare = CallRecorder(module.prepare_for_dn)
        module.prepare_for_dn = self.prepare
        model.train()
        criterion.train()

    def params(self) -> Dict[str, Tensor]:
        """The parameters and buffers under this repository's names."""
        return convert_official({k: v.detach().clone()
                                 for k, v in self.model.state_dict().items()}, self.family)[0]

    def adam_state(self) -> Tuple[Dict[str, Tensor], Dict[str, Tensor], float]:
        """:func:`_adam_state` under this repository's names."""
        avg, avg_sq, step = _adam_state(self.model, self.optimizer)
        return (convert_official(avg, self.family)[0],
                convert_official(avg_sq, self.family)[0], step)

    def step(self, batch: Batch) -> Tuple[StepRecord, Tuple[Tensor, Tensor], Dict]:
        """One training step on ``batch``: its record, the denoising queries' content
        and anchors (bs, P*M, ...) and the noise drawn."""
        from util.misc import NestedTensor

        from .official_dn_detr import official_giou_epsilon
        args, model = self.args, self.model
        ids = torch.tensor(COCO_CATEGORY_IDS)
        inputs, mask = batch.padded()
        targets = [dict(labels=ids[labels], boxes=boxes)
                   for labels, boxes in zip(batch.labels, batch.boxes)]
        self.replay.start_batch(torch.cat([t['labels'] for t in targets]).repeat(args.scalar))
        self.matcher.results.clear()
        self.prepare.results.clear()
        before = self.params()
        with self.replay:
            outputs, mask_dict = model(NestedTensor(inputs, mask),
                                       dn_args=(targets, args.scalar, args.label_noise_scale,
                                                args.box_noise_scale, args.num_patterns))
        query_label, query_bbox = self.prepare.results[0][:2]
        pad = mask_dict['pad_size']
        if self.family != 'dn_dab_deformable_detr':  # (W, bs, ...); v2's are (bs, W, ...)
            query_label, query_bbox = query_label.transpose(0, 1), query_bbox.transpose(0, 1)
        dn_inputs = query_label[:, :pad].detach(), query_bbox[:, :pad].detach()
        weights = self.criterion.weight_dict
        with torch.no_grad(), official_giou_epsilon(OFFICIAL_GIOU_EPS):
            as_is = {official_loss_name(k): float(v * weights[k])
                     for k, v in self.criterion(outputs, targets, mask_dict).items()
                     if k in weights}
        self.matcher.results.clear()
        loss_dict = self.criterion(outputs, targets, mask_dict)
        total = sum(loss_dict[k] * weights[k] for k in loss_dict if k in weights)
        losses = {official_loss_name(k): float(loss_dict[k].detach() * weights[k])
                  for k in loss_dict if k in weights}
        num_queries = outputs['pred_logits'].shape[1]
        layers = self.matcher.results[1:] + self.matcher.results[:1]  # the last one first
        self.optimizer.zero_grad()
        total.backward()
        grads = {k: v.detach().clone() for k, v in official_grads(model, self.family).items()}
        norm = grad_norm([p.grad for p in model.parameters() if p.grad is not None])
        if args.clip_max_norm > 0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), args.clip_max_norm)
        self.optimizer.step()
        after = self.params()
        record = StepRecord(
            torch.stack([_assignment_grid(pairs, num_queries) for pairs in layers]),
            losses, grads, norm, {k: after[k] - before[k] for k in grads},
            {k: float(after[k].double().norm()) for k in grads}, as_is)
        return record, dn_inputs, self.replay.draws[-1]


def mmdn_samples(batch: Batch, batch_shape: Tuple[int, int]) -> list:
    """The batch's ``DetDataSample`` list: pixel (x1, y1, x2, y2) boxes of each image."""
    from mmengine.structures import InstanceData

    from mmdet.structures import DetDataSample
    samples = []
    for image, boxes, labels in zip(batch.images, batch.boxes, batch.labels):
        h, w = image.shape[1:]
        scale = boxes.new_tensor([w, h, w, h])
        xyxy = torch.cat([boxes[:, :2] - boxes[:, 2:] / 2, boxes[:, :2] + boxes[:, 2:] / 2], 1)
        sample = DetDataSample(metainfo=dict(img_shape=(h, w), ori_shape=(h, w),
                                             pad_shape=batch_shape, batch_input_shape=batch_shape,
                                             scale_factor=(1., 1.)))
        sample.gt_instances = InstanceData(bboxes=xyxy * scale, labels=labels)
        samples.append(sample)
    return samples


class MmdnTrainer:
    """This repository's training step (the loss, ``parse_losses``, the optimizer
    wrapper's backward and step: clipping as its config sets it), its generator
    replaying given draws."""

    def __init__(self, model: nn.Module, optim_wrapper) -> None:
        self.model, self.optim_wrapper = model, optim_wrapper
        self.assign = CallRecorder(model.bbox_head.assigner.assign)
        model.bbox_head.assigner.assign = self.assign
        self.queries = CallRecorder(model.dn_query_generator.queries)
        model.dn_query_generator.queries = self.queries
        self.settings = _compact(_settings(model, optim_wrapper.optimizer))
        model.train()

    def params(self) -> Dict[str, Tensor]:
        return {k: v.detach().clone() for k, v in self.model.state_dict().items()}

    def load(self, params: Dict[str, Tensor],
             adam: Tuple[Dict[str, Tensor], Dict[str, Tensor], float]) -> None:
        """Takes the other code's parameters and AdamW moments (after a step), so that
        the next step of both starts from the same state."""
        self.model.load_state_dict(params, strict=True)
        avg, avg_sq, step = adam
        optimizer = self.optim_wrapper.optimizer
        for name, param in self.model.named_parameters():
            if name in avg:
                state = optimizer.state[param]
                state['exp_avg'] = avg[name].clone()
                state['exp_avg_sq'] = avg_sq[name].clone()
                state['step'] = torch.tensor(step)

    def step(self, batch: Batch, draw: Dict[str, Tensor]
             ) -> Tuple[StepRecord, Tuple[Tensor, Tensor]]:
        model, generator = self.model, self.model.dn_query_generator
        inputs, _ = batch.padded()
        samples = mmdn_samples(batch, tuple(inputs.shape[2:]))
        self.assign.results.clear()
        self.queries.results.clear()
        before = self.params()
        counts = [len(labels) for labels in batch.labels]
        with replaying(generator, *replayed_draws(draw, counts, generator.num_groups)):
            losses = model.loss(inputs, samples)
        dn_query, dn_anchor = self.queries.results[0][:2]
        total, _ = model.parse_losses(losses)
        # Assigned layer by layer, the images of each layer in turn.
        results = self.assign.results
        grid = torch.stack([torch.stack([r.gt_inds - 1 for r in results[i::len(samples)]])
                            for i in range(len(samples))], 1)
        self.optim_wrapper.zero_grad()
        self.optim_wrapper.backward(total)
        grads = {k: p.grad.detach().clone() for k, p in model.named_parameters()
                 if p.grad is not None}
        norm = grad_norm(list(grads.values()))
        self.optim_wrapper.step()
        after = self.params()
        record = StepRecord(grid, {k: float(v.detach()) for k, v in losses.items()}, grads,
                            norm,
                            {k: after[k] - before[k] for k in grads},
                            {k: float(after[k].double().norm()) for k in grads})
        return record, (dn_query.detach(), dn_anchor.detach())


@dataclasses.dataclass
class Run:
    """One code's steps over the batches.

    Attributes:
        steps (list[StepRecord]): one per batch, without its ``grads`` and ``updates``
            (reduced to :class:`TensorDiffs` by :func:`run_in_lockstep`).
        dn_inputs (list[tuple]): per batch the denoising queries' content (bs, P*M, D)
            and anchors before sigmoid (bs, P*M, 4), padding slots zero.
        optimizer (dict[str, Tensor]): each parameter's (lr, weight decay), (1, 2).
    """
    steps: List[StepRecord] = dataclasses.field(default_factory=list)
    dn_inputs: List[Tuple[Tensor, Tensor]] = dataclasses.field(default_factory=list)
    optimizer: Dict[str, Tensor] = dataclasses.field(default_factory=dict)


#: A difference of one tensor at one step: (||ours - official||, relative, 'name, step i').
Difference = Tuple[float, float, str]


@dataclasses.dataclass
class TensorDiffs:
    """One step's per-tensor differences between the codes, as numbers.

    Attributes:
        grads (list): each gradient's difference relative to its official norm, for the
            gradients of at least :data:`SMALL_GRADIENT` of the official total norm.
        small (list): the smaller gradients' differences, relative to that floor.
        updates (list): the optimizer updates of the ``grads`` tensors, relative to the
            official update.
        params (list): each parameter's difference after the step, relative to its
            official norm (the same parameters before the step: the updates' difference).
        only (set[str]): the gradients that one code has and the other lacks.
        count (int): the official tensors with a gradient.
    """
    grads: List[Difference]
    small: List[Difference]
    updates: List[Difference]
    params: List[Difference]
    only: Set[str]
    count: int


def tensor_diffs(step: int, official: StepRecord, ours: StepRecord) -> TensorDiffs:
    """The :class:`TensorDiffs` of one step that both codes took from the same state."""
    a, b = official, ours
    floor = SMALL_GRADIENT * a.grad_norm
    diffs = TensorDiffs([], [], [], [], set(a.grads) ^ set(b.grads), len(a.grads))
    updates = {k: relative_difference(b.updates[k], a.updates[k])
               for k in a.updates if k in b.updates}
    for k in sorted(set(a.grads) & set(b.grads)):
        diff = float((b.grads[k] - a.grads[k]).double().norm())
        size = float(a.grads[k].double().norm())
        if size < floor:
            diffs.small.append((diff, diff / floor, f'{k}, step {step}'))
        else:
            diffs.grads.append((diff, diff / size, f'{k}, step {step}'))
            diffs.updates.append((*updates[k], f'{k}, step {step}'))
    for k, (diff, _) in updates.items():
        diffs.params.append((diff, diff / a.param_norms[k], f'{k}, step {step}'))
    return diffs


def run_in_lockstep(official: OfficialTrainer, ours: MmdnTrainer, batches: Sequence[Batch]
                    ) -> Tuple[Run, Run, List[TensorDiffs]]:
    """Both codes step through ``batches`` together: the official step draws the
    noise, this repository's replays it, then takes the official parameters and AdamW
    moments, so that every step of both starts from the same state (float32 rounding,
    amplified by training, would otherwise decide the comparison after a few steps).
    Each step's gradients and updates are reduced to its :class:`TensorDiffs` at once
    and dropped, so that memory does not grow with the steps."""
    runs, diffs = (Run(optimizer=official.settings), Run(optimizer=ours.settings)), []
    for i, batch in enumerate(batches):
        record, dn_inputs, draw = official.step(batch)
        mine, my_inputs = ours.step(batch, draw)
        diffs.append(tensor_diffs(i, record, mine))
        runs[0].steps.append(dataclasses.replace(record, grads={}, updates={}))
        runs[1].steps.append(dataclasses.replace(mine, grads={}, updates={}))
        runs[0].dn_inputs.append(dn_inputs)
        runs[1].dn_inputs.append(my_inputs)
        del record, mine
        ours.load(official.params(), official.adam_state())
    return (*runs, diffs)


REPO = Path(__file__).resolve().parents[2]

#: Tolerances of :func:`compare` (relative, float32). An update is judged more loosely
#: than the gradient it comes from: AdamW divides each element by the root of its second
#: moment, so an element whose gradient is small keeps its own relative rounding.
TOLERANCES = dict(loss=1e-5, grad=1e-4, update=1e-3, param=1e-4)

#: Gradients of a tensor below this fraction of the whole gradient's norm are judged
#: against that floor rather than their own norm: they are sums that cancel (zero in
#: exact arithmetic for an attention key's bias, which adds the same number to every
#: logit of a query; near zero for the projections of the decoder's first self-attention,
#: whose matching queries share one content), and float32 rounds such a sum in
#: proportion to its terms, which scale with the whole gradient, not with the sum.
SMALL_GRADIENT = 1e-5


@dataclasses.dataclass
class Row:
    """One line of the parity table."""
    quantity: str
    worst_abs: float
    worst_rel: float
    where: str
    verdict: str


def relative_difference(a: Tensor, b: Tensor) -> Tuple[float, float]:
    """(||a - b||, ||a - b|| / ||b||) in float64."""
    diff = float((a.double() - b.double()).norm())
    return diff, diff / max(float(b.double().norm()), 1e-300)


def worst_of(items: Iterator[Tuple[float, float, str]]) -> Tuple[float, float, str]:
    return max(items, key=lambda item: item[1], default=(0., 0., '-'))


def judge(worst_rel: float, tolerance: float, stated: str = '') -> str:
    if worst_rel <= tolerance:
        return f'ok (<= {tolerance:g})'
    return f'stated: {stated}' if stated else f'FAIL (> {tolerance:g})'


def compare(official: Run, ours: Run, diffs: Sequence[TensorDiffs]) -> List[Row]:
    """The parity table of two runs over the same batches and their per-step tensor
    differences (see the module docstring).

    Loss terms, per term and step: |ours - official| / |official|; gradients and
    parameters per tensor: ||ours - official|| / ||official||, the worst reported.
    The official GIoU epsilon is removed from the official run; a last row states what
    it changes in the GIoU terms (the official terms as shipped against the compared ones).
    """
    rows = []
    steps = list(zip(official.steps, ours.steps))
    content = worst_of((*relative_difference(b[0], a[0]), f'step {i}')
                     for i, (a, b) in enumerate(zip(official.dn_inputs, ours.dn_inputs)))
    anchors = worst_of((*relative_difference(b[1], a[1]), f'step {i}')
                     for i, (a, b) in enumerate(zip(official.dn_inputs, ours.dn_inputs)))
    rows.append(Row('denoising queries: content (flips, label embedding)', *content,
                    judge(content[1], 1e-6)))
    rows.append(Row('denoising queries: anchors (box noise, clamping, inverse sigmoid)',
                    *anchors, judge(anchors[1], 1e-5)))
    mismatched = [(i, layer) for i, (a, b) in enumerate(steps)
                  for layer in range(len(a.assignments))
                  if not torch.equal(a.assignments[layer], b.assignments[layer])]
    total = sum(len(a.assignments) for a, _ in steps)
    rows.append(Row(f'assignments ({total} layer-batches)', float(len(mismatched)),
                    len(mismatched) / max(total, 1),
                    ', '.join(f'step {i} layer {layer}' for i, layer in mismatched[:3]) or '-',
                    'identical' if not mismatched else 'FAIL'))
    names = sorted(set(official.steps[0].losses))
    missing = sorted(set(names) ^ set(ours.steps[0].losses))
    if missing:
        rows.append(Row('loss terms present in one code only', float(len(missing)), 1.,
                        ', '.join(missing[:4]), 'FAIL'))
    for label, pick in (('loss terms: class and L1', lambda k: not k.endswith('iou')),
                        ('loss terms: GIoU', lambda k: k.endswith('iou'))):
        worst = worst_of((abs(b.losses[k] - a.losses[k]),
                        abs(b.losses[k] - a.losses[k]) / max(abs(a.losses[k]), 1e-300),
                        f'{k}, step {i}')
                       for i, (a, b) in enumerate(steps) for k in names
                       if pick(k) and k in b.losses)
        count = sum(1 for k in names if pick(k))
        rows.append(Row(f'{label} ({count} terms x {len(steps)} steps)', *worst,
                        judge(worst[1], TOLERANCES['loss'])))
    grads = [item for d in diffs for item in d.grads]
    small = [item for d in diffs for item in d.small]
    updates = [item for d in diffs for item in d.updates]
    only = set().union(*(d.only for d in diffs))
    worst = worst_of(iter(grads))
    rows.append(Row(f'gradients ({diffs[0].count} tensors x {len(steps)} steps)',
                    *worst, judge(worst[1], TOLERANCES['grad']) if not only else
                    f'FAIL: a gradient in one code only ({sorted(only)[0]})'))
    if small:
        worst = worst_of(iter(small))
        count = len({where.split(',')[0] for *_, where in small})
        rows.append(Row(f'gradients below {SMALL_GRADIENT:g} of the total norm ({count} '
                        'tensors; relative to that floor)', *worst,
                        judge(worst[1], TOLERANCES['grad'])))
    worst = worst_of(iter(updates))
    rows.append(Row('optimizer updates (clipping, AdamW; each step from the same state)',
                    *worst, judge(worst[1], TOLERANCES['update'])))
    norms = worst_of((abs(b.grad_norm - a.grad_norm),
                    abs(b.grad_norm - a.grad_norm) / a.grad_norm, f'step {i}')
                   for i, (a, b) in enumerate(steps))
    rows.append(Row('gradient norm before clipping', *norms, judge(norms[1], 1e-5)))
    def settings_diff(k: str) -> float:
        a, b = ours.optimizer[k], official.optimizer[k]
        return float((a - b).abs().max()) if a.shape == b.shape else math.inf

    settings = worst_of((settings_diff(k), settings_diff(k), k)
                      for k in ours.optimizer if k in official.optimizer)
    extra = sorted(set(ours.optimizer) ^ set(official.optimizer))
    rows.append(Row(f'lr and weight decay of each parameter ({len(ours.optimizer)})',
                    *settings, 'identical' if settings[0] == 0 and not extra else
                    f'FAIL{": " + extra[0] if extra else ""}'))
    params = worst_of(item for d in diffs for item in d.params)
    rows.append(Row(f'parameters after each of the {len(steps)} steps', *params,
                    judge(params[1], TOLERANCES['param'])))
    shipped = worst_of((abs(a.as_is[k] - a.losses[k]),
                      abs(a.as_is[k] - a.losses[k]) / max(abs(a.as_is[k]), 1e-300),
                      f'{k}, step {i}') for i, (a, _) in enumerate(steps)
                     for k in a.as_is if k.endswith('iou'))
    if official.steps[0].as_is:
        rows.append(Row('official GIoU epsilon (+1e-6 on normalised areas; removed above): '
                        'its effect on the GIoU terms', *shipped,
                        'stated: an epsilon, mmdet adds none'))
    return rows


def format_table(rows: Sequence[Row]) -> str:
    """The rows as a Markdown table."""
    lines = ['| quantity | worst abs. | worst rel. | where | verdict |',
             '|---|---|---|---|---|']
    lines += [f'| {r.quantity} | {r.worst_abs:.3g} | {r.worst_rel:.3g} | {r.where} | '
              f'{r.verdict} |' for r in rows]
    return '\n'.join(lines)


#: Each official family, the config the converter picks for its Model Zoo checkpoint,
#: and what that config's model must be.
FAMILY_CONFIGS = {
    'dn_dab_detr_r50': ('configs/dn_dab_detr_r50_50e.py',
                        dict(type='DNDABDETR', num_patterns=0, dc5=False)),
    'dn_dab_detr_r50_dc5_3pat': ('configs/dn_dab_detr_r50_dc5_12e.py',
                                 dict(type='DNDABDETR', num_patterns=3, dc5=True)),
    'dn_dab_deformable_detr': ('configs/dn_deformable_detr_pp_r50_50e.py',
                               dict(type='DNDeformableDETRPP')),
    'dn_dab_deformable_detr_deformable_encoder_only': (
        'configs/dn_deformable_detr_r50_50e.py', dict(type='DNDeformableDETR', num_patterns=3)),
}

#: Image sizes (h, w) of the batches, used in turn.
BATCH_SIZES = ((320, 416), (288, 352), (256, 320), (320, 288))


def check_config(family: str, model_cfg) -> None:
    """Refuses a config whose model is not the family's (type, pattern count, DC5),
    naming what differs."""
    from .official_dn_detr import OfficialCodeError, check_family
    check_family(family)
    want = FAMILY_CONFIGS[family][1]
    have = dict(type=model_cfg.type, num_patterns=model_cfg.get('num_patterns', 0),
                dc5=model_cfg.backbone.get('dilations', (1, ))[-1] > 1)
    wrong = [f'{k} {have[k]!r} (the family has {v!r})' for k, v in want.items()
             if have[k] != v]
    if wrong:
        raise OfficialCodeError(f'the config\'s model is not official {family}: '
                                + ', '.join(wrong))


def deviations(family: str, args, cfg) -> List[str]:
    """The stated, deliberate differences of this comparison, each with its size."""
    groups = cfg.model.dn_cfg.get('num_groups', 5)
    notes = []
    if groups != 5:
        notes.append(f'denoising groups: the config has {groups} (the paper, §5.1), the '
                     'official README command the default 5; the official code ran with '
                     f'--scalar {groups} here')
    notes += [
        'flipped labels: the official draws an id in [0, 91), 11 of which are no COCO '
        'category (12% of its flips, labels an 80-class model cannot hold); here both '
        'codes flip to the same one of the 80 category ids; one flip a batch lands on its '
        "own class",
        'class slots: the official 91 (by COCO id) against 80; the 11 slots of no category '
        f'have bias {NON_CATEGORY_BIAS:g} in the official model, so their focal terms are '
        'below 1e-38',
        'denoising normaliser: this repository divides by the real denoising queries '
        'averaged over ranks, the official code by the local count: the same in one '
        'process (this comparison); with ranks of different object counts the '
        'official scale differs per rank',
        'logged only, not compared: the official ' + ', '.join(LOGGED_ONLY)
        + ' (outside its weight_dict; no gradient)',
    ]
    return notes


@contextlib.contextmanager
def default_dtype(dtype: torch.dtype) -> Iterator[None]:
    """``torch.set_default_dtype(dtype)`` for the block."""
    saved = torch.get_default_dtype()
    torch.set_default_dtype(dtype)
    try:
        yield
    finally:
        torch.set_default_dtype(saved)


def encode_positions_in_model_dtype(model: nn.Module) -> None:
    """mmdet's sine positional encoding computes in float32 whatever the model's dtype;
    its output is cast to the model's (as the official code casts its own)."""
    encode = model.positional_encoding.forward
    dtype = next(model.parameters()).dtype
    model.positional_encoding.forward = lambda *args, **kwargs: encode(*args, **kwargs).to(
        dtype)


def train_parity(root, family: str, config: Optional[str] = None, steps: int = 10,
                 seed: int = 0, dtype: torch.dtype = torch.float32):
    """Runs both codes over ``steps`` batches (see the module docstring), in ``dtype``
    (float64 tells rounding from a difference: only the float32 sine encodings of both
    codes stay float32).

    Returns:
        tuple: the table's rows, the stated deviations, the two runs.
    """
    from mmengine.config import Config
    from mmengine.optim import build_optim_wrapper

    from .official_dn_detr import (
        build_official,
        check_checkout,
        check_family,
        official_args,
        official_code,
        official_giou_epsilon,
    )
    root = check_checkout(root)
    check_family(family)
    cfg = Config.fromfile(config or REPO / FAMILY_CONFIGS[family][0])
    check_config(family, cfg.model)
    groups = cfg.model.dn_cfg.get('num_groups', 5)
    batches = [Batch([x.to(dtype) for x in b.images], [x.to(dtype) for x in b.boxes],
                     b.labels) for b in parity_batches(steps, BATCH_SIZES, seed)]
    with official_code(root), official_giou_epsilon(0.), default_dtype(dtype):
        args = official_args(root, family, ['--scalar', str(groups)])
        torch.manual_seed(seed)
        model, criterion, _ = build_official(family, args)
        # Both deformable attentions set their offsets' bias from a float32 grid.
        model.to(dtype)
        mask_non_categories(model)
        ours = MODELS.build(cfg.model).to(dtype)
        ours.load_state_dict(convert_official(model.state_dict())[0], strict=True)
        if dtype != torch.float32:
            encode_positions_in_model_dtype(ours)
        official = OfficialTrainer(model, criterion, args,
                                   torch.Generator().manual_seed(seed + 1))
        mine = MmdnTrainer(ours, build_optim_wrapper(ours, cfg.optim_wrapper))
        *runs, diffs = run_in_lockstep(official, mine, batches)
    return compare(*runs, diffs), deviations(family, args, cfg), runs
