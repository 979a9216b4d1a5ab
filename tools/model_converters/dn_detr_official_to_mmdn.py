"""Converts an official DN-DETR checkpoint (github IDEA-Research/DN-DETR) to mmdn.

Reads SRC (the official ``checkpoint.pth``: a dict with ``model``, or a bare state dict),
finds its family from its keys, maps the 91 COCO-id class slots to mmdet's 80 classes,
renames the rest (``mmdn.converters``), and checks the result against CONFIG's model: every
destination key filled with the right shape and no key left over, or it stops naming
them. Writes DST as an mmengine checkpoint (``state_dict`` and ``meta.dataset_meta``)
that ``tools/test.py CONFIG DST`` evaluates and ``load_from`` fine-tunes; DST appears
only once complete.

Supported, every official family:

- DN-DAB-DETR (R50, R50-DC5, R50-DC5 3-pattern, R101, R101-DC5) -> ``dn_dab_detr_*.py``
  (the weights are the same with and without DC5: pick the config of the model you hold;
  by default ``dn_dab_detr_r{50,101}_{50e,12e}.py`` by depth and pattern count);
- DN-DAB-Deformable-DETR with a deformable encoder only (43.4 / 48.6 AP) ->
  ``dn_deformable_detr_r{50,101}_*.py`` (default ``dn_deformable_detr_r50_50e.py``);
- DN-DAB-Deformable-DETR v2, the paper's DN-Deformable-DETR++ (49.5 AP) ->
  ``dn_deformable_detr_pp_r50_50e.py``.

Example::

    python tools/model_converters/dn_detr_official_to_mmdn.py \\
        checkpoints/dn_dab_detr_r50_dc5/checkpoint.pth dn_dab_detr_r50_dc5_mmdn.pth \\
        --config configs/dn_dab_detr_r50_dc5_50e.py
"""
import argparse
import pickle
import zipfile
from pathlib import Path
from typing import Dict

import torch
from mmengine.config import Config
from torch import Tensor

from mmdet.datasets import CocoDataset
from mmdet.registry import MODELS
from mmdet.utils import register_all_modules
from mmdn.converters import ConversionError, convert_official, official_family
from mmdn.engine import write_atomically

REPO = Path(__file__).resolve().parents[2]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('src', help='the official checkpoint')
    parser.add_argument('dst', help='where to write the mmdn checkpoint')
    parser.add_argument('--config', help='the mmdn config the checkpoint is for')
    return parser.parse_args()


def load_official(path: Path) -> Dict[str, Tensor]:
    """The model state dict of an official checkpoint, loaded without running code
    (``weights_only``; the ``args`` Namespace the official training saves is allowed)."""
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
    return state


def default_config(state: Dict[str, Tensor], family: str) -> Path:
    """The config of an official model by family, backbone depth and pattern count."""
    depth = 101 if 'backbone.0.body.layer3.22.conv1.weight' in state else 50
    if family == 'dn_dab_deformable_detr':
        name = f'dn_deformable_detr_pp_r{depth}_50e'
    elif family == 'dn_dab_deformable_detr_deformable_encoder_only':
        name = f'dn_deformable_detr_r{depth}_{"12e" if depth == 101 else "50e"}'
    else:
        name = f'dn_dab_detr_r{depth}_{"12e" if "transformer.patterns.weight" in state else "50e"}'
    return REPO / 'configs' / f'{name}.py'


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
        official = load_official(src)
        official = {k.removeprefix('module.'): v for k, v in official.items()}
        family = official_family(official)
        state, dropped = convert_official(official, family)
        config = args.config or str(default_config(official, family))
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
