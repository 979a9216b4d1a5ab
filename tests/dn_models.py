"""The DN models of the demo configs, derived from the configs: the one list every test
that should cover each DN model takes, so that a new DN demo config enters them all.

A demo config (``configs/demo/*.py``) is the DN side of a pair when it inherits one other
config (its baseline) and changes what denoising means for the model: a ``dn_cfg`` or
``mask_dn`` anywhere in the model, or a ``type`` naming a DN class. One config is kept
per DN model (the first by path among those of the same detector and head types), so
that a faster or re-scaled variant of a model does not test it twice. The subfolders of
``configs/demo`` hold applications of a DN model with a contract of their own (objects
or labels given at inference): they enter the lists that every trainable model must
pass (``with_applications``).
"""
import ast
import functools
from pathlib import Path
from typing import Any, List, Optional, Tuple

from mmengine.config import Config

from mmdet.registry import MODELS
from mmdn.models.detectors import DNDetectorMixin

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / 'configs' / 'demo'


def _single_base(config: Path) -> Optional[Path]:
    """The one config ``config`` inherits, or None."""
    for node in ast.parse(config.read_text()).body:
        if (isinstance(node, ast.Assign) and getattr(node.targets[0], 'id', None) == '_base_'
                and isinstance(node.value, ast.Constant)):
            return (config.parent / node.value.value).resolve()
    return None


def _dn_signature(model: Any) -> Tuple:
    """What decides denoising in a model config: its ``dn``-named keys and DN types."""
    found = []

    def visit(node: Any, path: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if 'dn' in key or (key == 'type' and 'DN' in str(value)):
                    found.append((f'{path}.{key}', repr(value)))
                visit(value, f'{path}.{key}')
        elif isinstance(node, (list, tuple)):
            for i, value in enumerate(node):
                visit(value, f'{path}[{i}]')

    visit(model.to_dict() if hasattr(model, 'to_dict') else model, 'model')
    return tuple(sorted(found))


def _types(model: Any) -> Tuple:
    return tuple(sorted((key, str(model[key].get('type', ''))) for key in model
                        if isinstance(model[key], dict) and 'head' in key)) + (model.type, )


@functools.lru_cache(maxsize=None)
def dn_demo_pairs(with_applications: bool = False) -> List[Tuple[str, str]]:
    """(baseline, DN) demo configs, as paths from the repository root, one per DN model
    (and per application of one, ``with_applications``)."""
    pairs, seen = [], set()
    for config in sorted(DEMO.rglob('*.py') if with_applications else DEMO.glob('*.py')):
        base = _single_base(config)
        if base is None:
            continue
        model, base_model = Config.fromfile(config).model, Config.fromfile(base).model
        if _dn_signature(model) == _dn_signature(base_model) or _types(model) in seen:
            continue
        seen.add(_types(model))
        pairs.append((str(base.relative_to(REPO)), str(config.relative_to(REPO))))
    return pairs


def dn_demo_configs(with_applications: bool = False) -> List[str]:
    """The DN side of :func:`dn_demo_pairs`."""
    return [dn for _, dn in dn_demo_pairs(with_applications)]


def dn_detector_configs() -> List[str]:
    """The DN demo configs whose detector is a :class:`DNDetectorMixin` (the DN query
    generator before a DETR decoder)."""
    return [config for config in dn_demo_configs()
            if issubclass(MODELS.get(Config.fromfile(REPO / config).model.type),
                          DNDetectorMixin)]


def box_detector_configs() -> List[str]:
    """The DN demo configs of box detectors (evaluated by box AP alone)."""
    return [config for config in dn_demo_configs()
            if Config.fromfile(REPO / config).val_evaluator.get('metric') == 'bbox']
