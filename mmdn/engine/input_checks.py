"""Checks of a config and its files that stop a run before it writes anything.

Each error names the config key or the file and what is wrong with it.
"""
import json
import os.path as osp
from argparse import Namespace
from typing import Iterator, List, Optional, Tuple

from mmengine.config import Config


def load_tool_config(args: Namespace) -> Config:
    """The config of ``tools/train.py`` / ``tools/test.py``: ``args.config`` with the
    launcher, ``--cfg-options`` and work dir (default ``work_dirs/<config name>``) applied,
    after checking that it imports mmdn."""
    cfg = load_config(args.config, args.cfg_options)
    cfg.launcher = args.launcher
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(args.config))[0])
    return cfg


def load_config(filename: str, cfg_options: Optional[dict] = None) -> Config:
    """``filename`` with ``cfg_options`` (``--cfg-options``) merged in, after checking that
    it imports mmdn."""
    cfg = Config.fromfile(filename)
    check_custom_imports(cfg, filename)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    return cfg


def check_custom_imports(cfg: Config, filename: str) -> None:
    """Fails unless the config imports mmdn, which registers mmdn's modules."""
    imports = cfg.get('custom_imports', {}).get('imports', [])
    if isinstance(imports, str):
        imports = [imports]
    if not any(name == 'mmdn' or name.startswith('mmdn.') for name in imports):
        raise ValueError(
            f'{filename} does not import mmdn, so its models are not registered. Add\n'
            "    custom_imports = dict(imports=['mmdn'], allow_failed_imports=False)\n"
            "to it, or inherit configs/_base_/default_runtime.py, which sets it.")


def _datasets(loader_cfg: dict) -> Iterator[dict]:
    """The leaf dataset configs of a dataloader (through wrappers such as RepeatDataset)."""
    stack = [loader_cfg.get('dataset', {})]
    while stack:
        ds = stack.pop()
        if 'dataset' in ds:
            stack.append(ds['dataset'])
        elif 'datasets' in ds:
            stack.extend(ds['datasets'])
        else:
            yield ds


def annotation_files(cfg: Config, splits: Tuple[str, ...]) -> List[Tuple[str, str]]:
    """``(config key, path)`` of the data roots and annotation files ``splits`` read."""
    files = []
    for split in splits:
        loader = cfg.get(f'{split}_dataloader')
        if not loader:
            continue
        for ds in _datasets(loader):
            root = ds.get('data_root') or ''
            if root:
                files.append((f'{split}_dataloader.dataset.data_root', root))
            if ds.get('ann_file'):
                files.append((f'{split}_dataloader.dataset.ann_file',
                              osp.join(root, ds['ann_file'])))
        evaluator = cfg.get(f'{split}_evaluator')
        for metric in evaluator if isinstance(evaluator, list) else [evaluator or {}]:
            if metric.get('ann_file'):
                files.append((f'{split}_evaluator.ann_file', metric['ann_file']))
    return files


def check_data_files(cfg: Config, splits: Tuple[str, ...]) -> None:
    """Fails when a data root or annotation file of ``splits`` does not exist."""
    for key, path in annotation_files(cfg, splits):
        if key.endswith('data_root') and not osp.isdir(path):
            raise FileNotFoundError(
                f'{key}: data root {path} does not exist (for the demo: '
                'python tools/misc/make_demo_dataset.py data/demo)')
        if not key.endswith('data_root') and not osp.isfile(path):
            raise FileNotFoundError(f'{key}: annotation file {path} does not exist')


def find_invalid_json(cfg: Config, splits: Tuple[str, ...]) -> None:
    """Names the annotation file that is not valid JSON (called after a JSON error)."""
    for key, path in annotation_files(cfg, splits):
        if key.endswith('data_root') or not path.endswith('.json'):
            continue
        try:
            with open(path) as f:
                json.load(f)
        except json.JSONDecodeError as err:
            raise ValueError(f'{key}: annotation file {path} is not valid JSON: {err}') from err


def check_num_classes(cfg: Config, splits: Tuple[str, ...]) -> None:
    """Fails when ``model.bbox_head.num_classes`` (or a Mask2Former's
    ``model.panoptic_head.num_things_classes`` + ``num_stuff_classes``) differs from a
    dataset's class count."""
    model = cfg.get('model', {})
    key, num_classes = 'model.bbox_head.num_classes', model.get('bbox_head', {}).get(
        'num_classes')
    if 'panoptic_head' in model:
        head = model['panoptic_head']
        key = 'model.panoptic_head.num_things_classes + num_stuff_classes'
        num_classes = head.get('num_things_classes', 80) + head.get('num_stuff_classes', 53)
    if num_classes is None:
        return
    import mmdet.datasets  # noqa: F401  (registers the dataset classes)
    from mmdet.registry import DATASETS
    for split in splits:
        loader = cfg.get(f'{split}_dataloader')
        for ds in _datasets(loader or {}):
            classes = (ds.get('metainfo') or {}).get('classes')
            if classes is None:
                dataset_cls = DATASETS.get(ds.get('type', ''))
                classes = getattr(dataset_cls, 'METAINFO', {}).get('classes')
            if classes is not None and len(classes) != num_classes:
                raise ValueError(
                    f'{key}={num_classes}, but the {split} dataset '
                    f'({ds.get("type")}) has {len(classes)} classes')
