"""The training-parity fixture CI checks without the official code.

A small official DN-DAB-DETR (its own code, small settings, float64), its backbone
replaced by saved features so that the fixture covers the transformer, the heads and
everything of denoising: :func:`make_fixture` records three of its training steps with a
checkout (``tools/analysis/official_train_parity.py --fixture``), and
:func:`check_fixture` repeats them with this repository's model from the same weights
(:func:`small_official_state`, made from a seed), features, batches and noise.
"""
import math
import subprocess
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import torch
from torch import Tensor, nn

from mmdet.registry import MODELS
from .train_parity import (
    NON_CATEGORY_BIAS,
    NON_CATEGORY_IDS,
    SMALL_GRADIENT,
    TOLERANCES,
    Batch,
    MmdnTrainer,
    OfficialTrainer,
    Row,
    default_dtype,
    judge,
    parity_batches,
    relative_difference,
    worst_of,
)

#: Official options of the fixture's small DN-DAB-DETR (its code fixes 256 dims: the
#: sine embedding of the anchors has 128 frequencies) and its backbone's channels.
SMALL_OFFICIAL = ('--enc_layers', '2', '--dec_layers', '2', '--dim_feedforward', '32',
                  '--num_queries', '10')
SMALL_CHANNELS = 64
#: The fixture's image sizes (h, w).
SMALL_SIZES = ((96, 128), (64, 96), (128, 96), (96, 64))


def small_dab_config(cfg) -> None:
    """``cfg`` (a DN-DAB-DETR config) turned into :data:`SMALL_OFFICIAL`'s model: 2 + 2
    layers, FFN 32, 10 queries, a :class:`FeatureStandIn` backbone of 64 channels."""
    model = cfg.model
    model.backbone = dict(type='FeatureStandIn')
    model.num_queries = 10
    model.neck.in_channels = [SMALL_CHANNELS]
    for part in (model.encoder, model.decoder):
        part.num_layers = 2
        part.layer_cfg.ffn_cfg.feedforward_channels = 32


def small_official_state(seed: int = 0) -> Dict[str, Tensor]:
    """The fixture's initial weights under the official names, made from ``seed`` (so
    that the fixture need not hold them): weights N(0, 1 / fan_in), biases N(0, 0.02^2),
    norm weights 1 + N(0, 0.02^2), PReLU slopes 0.25, class biases -4.6 (the focal prior)
    and :data:`NON_CATEGORY_BIAS` for the 11 slots of no category; the decoder's box
    branch is the head's."""
    from mmdn.converters import official_dn_dab_detr_shapes
    shapes = {k: v for k, v in official_dn_dab_detr_shapes(
        num_queries=10, ffn_dims=32, num_layers=2).items() if not k.startswith('backbone.')}
    shapes['input_proj.weight'] = (256, SMALL_CHANNELS, 1, 1)
    gen = torch.Generator().manual_seed(seed)
    state = {}
    for key in sorted(shapes):
        shape = shapes[key]
        noise = torch.randn(shape, generator=gen, dtype=torch.float64)
        if key.endswith('activation.weight'):
            state[key] = torch.full(shape, 0.25, dtype=torch.float64)
        elif '.norm' in key and key.endswith('weight'):
            state[key] = 1 + 0.02 * noise
        elif len(shape) >= 2:
            state[key] = noise / math.sqrt(math.prod(shape[1:]))
        else:
            state[key] = 0.02 * noise
    state['class_embed.bias'][:] = -4.6
    state['class_embed.bias'][list(NON_CATEGORY_IDS)] = NON_CATEGORY_BIAS
    for key in list(state):
        if key.startswith('transformer.decoder.bbox_embed.'):
            state[key] = state[key[len('transformer.decoder.'):]]
    return state


@MODELS.register_module()
class FeatureStandIn(nn.Module):
    """A backbone giving :attr:`features` (bs, C, h, w), set before each step: both codes
    start from the same saved backbone features."""

    def __init__(self, channels: int = SMALL_CHANNELS) -> None:
        super().__init__()
        self.num_channels = channels
        self.features: Optional[Tensor] = None

    def forward(self, inputs: Tensor) -> Tuple[Tensor]:
        return (self.features, )


class OfficialFeatureStandIn(FeatureStandIn):
    """:class:`FeatureStandIn` in the official backbone's place (``backbone[0]``): the
    features with the image mask resized to them, as the official ``BackboneBase``."""

    def forward(self, tensor_list):
        from util.misc import NestedTensor
        mask = nn.functional.interpolate(tensor_list.mask[None].float(),
                                         size=self.features.shape[-2:]).to(torch.bool)[0]
        return {'0': NestedTensor(self.features, mask)}


def summaries(tensors: Dict[str, Tensor], seed: int = 0) -> Dict[str, Tensor]:
    """Per tensor (3, ): its norm and its dot products with two random vectors drawn from
    ``seed`` in the order of the sorted names: what the fixture keeps of gradients and
    parameters (a changed tensor changes them but with probability zero)."""
    gen = torch.Generator().manual_seed(seed)
    out = {}
    for key in sorted(tensors):
        flat = tensors[key].detach().double().flatten()
        probes = torch.randn(2, len(flat), generator=gen, dtype=torch.float64)
        out[key] = torch.cat([flat.norm()[None], probes @ flat])
    return out


def make_fixture(root, steps: int = 3, seed: int = 0) -> Dict:
    """The CI fixture: the small official DN-DAB-DETR (:data:`SMALL_OFFICIAL`, weights
    :func:`small_official_state`, its backbone an :class:`OfficialFeatureStandIn`)
    trained ``steps`` steps in float64 with its optimizer on :data:`SMALL_SIZES` batches,
    and what :func:`check_fixture` needs to repeat them here: the batches (image sizes
    and objects) and their features, the noise drawn, and per step the official record
    (assignments, loss terms, the denoising queries, :func:`summaries` of the
    gradients) and the summaries of the parameters after the last step.

    In float64 the rounding that training amplifies (:func:`run_in_lockstep`) stays far
    below the tolerances, so the steps run free, as in a training.
    """
    from .official_dn_detr import (
        build_official,
        check_checkout,
        official_args,
        official_code,
        official_giou_epsilon,
    )
    root = check_checkout(root)
    family = 'dn_dab_detr_r50'
    batches = [Batch(b.images, [x.double() for x in b.boxes], b.labels)
               for b in parity_batches(steps, SMALL_SIZES, seed)]
    gen = torch.Generator().manual_seed(seed + 2)
    features = []
    for batch in batches:
        inputs, _ = batch.padded()
        h, w = (-(-size // 32) for size in inputs.shape[2:])
        features.append(torch.randn(len(batch.images), SMALL_CHANNELS, h, w, generator=gen,
                                    dtype=torch.float64))
    with default_dtype(torch.float64), official_code(root), official_giou_epsilon(0.):
        args = official_args(root, family, SMALL_OFFICIAL)
        model, criterion, _ = build_official(family, args)
        model.backbone[0] = OfficialFeatureStandIn()
        model.input_proj = nn.Conv2d(SMALL_CHANNELS, args.hidden_dim, kernel_size=1)
        model.load_state_dict(small_official_state(seed), strict=True)
        official = OfficialTrainer(model, criterion, args,
                                   torch.Generator().manual_seed(seed + 1))
        records, draws = [], []
        for batch, feats in zip(batches, features):
            model.backbone[0].features = feats
            record, dn_inputs, draw = official.step(batch)
            records.append(dict(assignments=record.assignments, losses=record.losses,
                                grads=summaries(record.grads), grad_norm=record.grad_norm,
                                dn_inputs=dn_inputs))
            draws.append(draw)
        params = summaries({k: v for k, v in official.params().items()
                            if k in record.grads})
    return dict(official_commit=_commit(root), official_options=list(SMALL_OFFICIAL),
                steps=steps, seed=seed,
                batches=[dict(sizes=[tuple(i.shape[1:]) for i in b.images], boxes=b.boxes,
                              labels=b.labels) for b in batches],
                features=features, draws=draws, records=records, params=params,
                settings=official.settings)


def _commit(root: Path) -> str:
    """The checkout's git commit, or 'unknown'."""
    try:
        return subprocess.run(['git', 'rev-parse', 'HEAD'], cwd=root, capture_output=True,
                              text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return 'unknown'


def check_fixture(fixture: Dict, model: nn.Module, optim_wrapper,
                  steps: Optional[int] = None) -> List[Row]:
    """Repeats a :func:`make_fixture` fixture's steps (the first ``steps`` of them, the
    parameters then not compared) with this repository's ``model``
    (float64, :func:`small_dab_config`, its backbone a :class:`FeatureStandIn`, the
    weights of :func:`small_official_state` converted) and its optimizer, and compares:
    the denoising queries, the assignments, every loss term, the gradients and the
    parameters after the last step (their :func:`summaries`), the lr and weight decay,
    with :data:`TOLERANCES` (gradients below :data:`SMALL_GRADIENT` judged against that
    floor). Both codes compute their sine encodings in float32 whatever the model's
    dtype, in different orders: the float64 steps agree to about 1e-7, not 1e-15.
    """
    ours = MmdnTrainer(model, optim_wrapper)
    rows = []
    worst = dict(queries=(0., 0., '-'), losses=(0., 0., '-'), grads=(0., 0., '-'))
    mismatched = []
    for i, b in enumerate(fixture['batches'][:steps]):
        batch = Batch([torch.zeros(3, h, w) for h, w in b['sizes']], b['boxes'], b['labels'])
        model.backbone.features = fixture['features'][i]
        record, dn_inputs = ours.step(batch, fixture['draws'][i])
        official = fixture['records'][i]
        if not torch.equal(record.assignments, official['assignments']):
            mismatched.append(i)
        candidates = [(*relative_difference(x, y), f'step {i}')
                      for x, y in zip(dn_inputs, official['dn_inputs'])]
        worst['queries'] = worst_of(iter(candidates + [worst['queries']]))
        missing = set(official['losses']) ^ set(record.losses)
        candidates = [(abs(record.losses[k] - v), abs(record.losses[k] - v) / abs(v),
                       f'{k}, step {i}') for k, v in official['losses'].items()
                      if k in record.losses]
        worst['losses'] = worst_of(iter(candidates + [worst['losses']]))
        mine = summaries(record.grads)
        missing |= set(mine) ^ set(official['grads'])
        floor = SMALL_GRADIENT * official['grad_norm']
        candidates = [(float((mine[k] - v).norm()),
                       float((mine[k] - v).norm()) / max(float(v[0]), floor), f'{k}, step {i}')
                      for k, v in official['grads'].items() if k in mine]
        worst['grads'] = worst_of(iter(candidates + [worst['grads']]))
        if missing:
            rows.append(Row(f'step {i}: in one code only', float(len(missing)), 1.,
                            ', '.join(sorted(missing)[:3]), 'FAIL'))
    if steps is None or steps >= len(fixture['batches']):
        params = summaries({k: v for k, v in ours.params().items() if k in fixture['params']})
        worst['params'] = worst_of((*relative_difference(params[k], v), k)
                                   for k, v in fixture['params'].items())
    settings = max(float((ours.settings[k] - v).abs().max()) if ours.settings[k].shape ==
                   v.shape else math.inf for k, v in fixture['settings'].items())
    rows.append(Row('assignments', float(len(mismatched)), float(len(mismatched)),
                    ', '.join(f'step {i}' for i in mismatched) or '-',
                    'identical' if not mismatched else 'FAIL'))
    for name, label, tolerance in (
            ('queries', 'denoising queries', TOLERANCES['loss']),
            ('losses', 'loss terms', TOLERANCES['loss']),
            ('grads', 'gradients (summaries)', TOLERANCES['grad']),
            ('params', f'parameters after {len(fixture["batches"])} steps',
             TOLERANCES['param'])):
        if name not in worst:
            continue
        rows.append(Row(label, *worst[name], judge(worst[name][1], tolerance)))
    rows.append(Row('lr and weight decay', settings, settings, '-',
                    'identical' if settings == 0 else 'FAIL'))
    return rows
