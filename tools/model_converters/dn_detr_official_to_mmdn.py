"""Converts an official DN-DETR checkpoint (github IDEA-Research/DN-DETR) to mmdn.

Reads SRC (the official ``checkpoint.pth``: a dict with ``model``, or a bare state dict),
finds its family from its keys, maps the 91 COCO-id class slots to mmdet's 80 classes,
renames the rest (``mmdn.converters``), and checks the result against CONFIG's model: every
destination key filled with the right shape and no key left over, or it stops naming
them. Writes DST as an mmengine checkpoint (``state_dict`` and ``meta.dataset_meta``)
that ``tools/test.py CONFIG DST`` evaluates and ``load_from`` fine-tunes; DST appears
only once complete.

Supported, every official family:

- DN-DAB-DETR (R50, R50-DC5, R50-DC5 3-pattern, R101-DC5 3-pattern) -> ``dn_dab_detr_*.py``;
- DN-DAB-Deformable-DETR with a deformable encoder only (R50 12 and 50 epochs, R101 12
  epochs) -> ``dn_deformable_detr_r{50,101}_*.py``;
- DN-DAB-Deformable-DETR v2, the paper's DN-Deformable-DETR++ (49.5 AP) ->
  ``dn_deformable_detr_pp_r50_50e.py``.

Without ``--config`` the config is chosen by the checkpoint: its family, backbone depth
and pattern count from its keys, DC5 (``dilation``) and the schedule (``epochs``) from
the training ``args`` the official code saves beside the model. A DC5 and a non-DC5
model have the same weights, so a checkpoint without ``args`` that could be either is
refused with the candidate configs listed (pass ``--config``).

Example::

    python tools/model_converters/dn_detr_official_to_mmdn.py \\
        checkpoints/dn_dab_detr_r50_dc5/checkpoint.pth dn_dab_detr_r50_dc5_mmdn.pth \\
        --config configs/dn_dab_detr_r50_dc5_50e.py
"""
import argparse
import pickle
import zipfile
from pathlib import Path
from typing import Any, Dict, Tuple

import torch
from mmengine.config import Config
from torch import Tensor

from mmdet.datasets import CocoDataset
from mmdet.registry import MODELS
from mmdet.utils import register_all_modules
from mmdn.converters import ConversionError, convert_official, official_family
from mmdn.engine import write_atomically

REPO = Path(__file__).resolve().parents[2]
# The configs of each official family.
CONFIG_PREFIXES = {
    'dn_dab_detr': 'dn_dab_detr_r',
    'dn_dab_deformable_detr_deformable_encoder_only': 'dn_deformable_detr_r',
    'dn_dab_deformable_detr': 'dn_deformable_detr_pp_r',
}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('src', help='the official checkpoint')
    parser.add_argument('dst', help='where to write the mmdn checkpoint')
    parser.add_argument('--config', help='the mmdn config the checkpoint is for')
    return parser.parse_args()


def load_official(path: Path) -> Tuple[Dict[str, Tensor], Dict[str, Any]]:
    """The model state dict of an official checkpoint and its training ``args`` ({} when
    absent), loaded without running code (``weights_only``; the ``args`` Namespace the
    official training saves is allowed)."""
    if not path.is_file():
        raise ConversionError(f'{path} does not exist')
    try:
        with torch.serialization.safe_globals([argparse.Namespace]):
            ckpt = torch.load(path, map_location='cpu', weights_only=True)
    except (RuntimeError, EOFError, zipfile.BadZipFile, pickle.UnpicklingError) as err:
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise ConversionError(f'{path} is truncated or not a PyTorch checkpoint ({first})')
    state = ckpt.get('model', ckpt) if isinstance(ckpt, dict) else None
    if not isinstance(state, dict) or not all(isinstance(v, Tensor) for v in state.values()):
        raise ConversionError(f'{path} holds no model state dict (a dict of tensors, '
                              "or one under 'model')")
    args = ckpt.get('args') if 'model' in ckpt else None
    return state, vars(args) if isinstance(args, argparse.Namespace) else {}


def checkpoint_traits(state: Dict[str, Tensor], args: Dict[str, Any],
                      family: str) -> Dict[str, Any]:
    """What selects a config, from the keys and the training ``args``: ``depth`` and
    ``num_patterns`` (keys; ``args.backbone`` / ``args.num_patterns`` must agree),
    ``dc5`` (``args.dilation``) and ``epochs`` (``args.epochs``), None where unknown."""
    depth = 101 if 'backbone.0.body.layer3.22.conv1.weight' in state else 50
    patterns = next((v.shape[0] for k, v in state.items() if k.endswith('patterns.weight')), 0)
    if args.get('modelname', family) != family:
        raise ConversionError(f'the keys are of {family}, its args say {args["modelname"]}')
    if args.get('backbone', f'resnet{depth}') != f'resnet{depth}':
        raise ConversionError(f'the keys are of ResNet-{depth}, its args say '
                              f'{args["backbone"]}')
    if args.get('num_patterns', patterns) != patterns:
        raise ConversionError(f'the keys hold {patterns} patterns, its args say '
                              f'{args["num_patterns"]}')
    return dict(depth=depth, num_patterns=patterns, dc5=args.get('dilation'),
                epochs=args.get('epochs'))


def config_traits(config: Path) -> Dict[str, Any]:
    """The traits of :func:`checkpoint_traits` of an mmdn config."""
    cfg = Config.fromfile(config)
    backbone = cfg.model.backbone
    return dict(depth=backbone.depth, num_patterns=cfg.model.get('num_patterns', 0),
                dc5=backbone.get('dilations', (1, ))[-1] > 1,
                epochs=cfg.train_cfg.max_epochs)


def choose_config(state: Dict[str, Tensor], args: Dict[str, Any], family: str) -> Path:
    """The config of ``family`` whose backbone depth, DC5 and pattern count are the
    checkpoint's; among schedules of that model, the one of ``args.epochs``, else the
    longest (the weights fit each the same).

    Raises:
        ConversionError: no such config, or DC5 and non-DC5 configs that the checkpoint
            cannot tell apart (DC5 is known only from the official ``args``), listed.
    """
    wanted = checkpoint_traits(state, args, family)
    candidates = {config: config_traits(config)
                  for config in sorted((REPO / 'configs').glob(f'{CONFIG_PREFIXES[family]}*.py'))}
    fits = [c for c, traits in candidates.items()
            if all(wanted[k] is None or traits[k] == wanted[k]
                   for k in ('depth', 'num_patterns', 'dc5'))]
    if fits and len({candidates[c]['dc5'] for c in fits}) == 1:
        same_schedule = [c for c in fits if candidates[c]['epochs'] == wanted['epochs']]
        return (same_schedule or sorted(fits, key=lambda c: candidates[c]['epochs']))[-1]
    known = ', '.join(f'{k} {v}' for k, v in wanted.items() if v is not None)
    names = '\n  '.join(str(c.relative_to(REPO)) for c in fits)
    raise ConversionError(
        f'official {family} with {known}'
        + (f': DC5 or not, its keys cannot tell and it has no training args; pass '
           f'--config, one of\n  {names}' if fits else
           ': no config of this repository has that backbone and pattern count'))


def check_fits(state: Dict[str, Tensor], config: str, src: Path, family: str) -> None:
    """Every key of the config's model filled with its shape, none left over."""
    cfg = Config.fromfile(config)
    dest = MODELS.build(cfg.model).state_dict()
    missing = sorted(set(dest) - set(state))
    extra = sorted(set(state) - set(dest))
    shapes = [f'{k} {tuple(state[k].shape)} vs {tuple(dest[k].shape)}'
              for k in sorted(set(dest) & set(state)) if state[k].shape != dest[k].shape]
    if missing or extra or shapes:
        def show(keys):
            return ', '.join(keys[:8]) + (f' (+{len(keys) - 8} more)' if len(keys) > 8 else '')
        raise ConversionError(
            f'{src} (official {family}) does not fit {config}:'
            + (f'\n  not filled: {show(missing)}' if missing else '')
            + (f'\n  left over: {show(extra)}' if extra else '')
            + (f'\n  shapes: {show(shapes)}' if shapes else ''))


def main() -> None:
    args = parse_args()
    src, dst = Path(args.src), Path(args.dst)
    try:
        if dst.resolve() == src.resolve():
            raise ConversionError(f'{dst} is the source; write elsewhere')
        official, train_args = load_official(src)
        official = {k.removeprefix('module.'): v for k, v in official.items()}
        family = official_family(official)
        state, dropped = convert_official(official, family)
        config = args.config or str(choose_config(official, train_args, family).relative_to(REPO))
        register_all_modules()
        check_fits(state, config, src, family)
    except ConversionError as err:
        raise SystemExit(f'error: {err}')
    meta = dict(dataset_meta=dict(classes=CocoDataset.METAINFO['classes']),
                converted_from=str(src), official_family=family, config=config)
    write_atomically(dst, lambda tmp: torch.save(dict(state_dict=state, meta=meta), tmp))
    print(f'{src}: official {family}, {len(official)} keys -> {len(state)} keys of {config}')
    if dropped:
        print(f'left out (duplicates of the head\'s shared box branch): {len(dropped)} keys')
    print(f'written: {dst}')


if __name__ == '__main__':
    main()
