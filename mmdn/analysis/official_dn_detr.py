"""The official DN-DETR code (github IDEA-Research/DN-DETR), run on the CPU in this process.

For comparisons with the official implementation: :func:`official_code` makes a checkout
importable on a machine without CUDA (the ``.cuda()`` / ``.to('cuda')`` calls of its
denoising part stay on the CPU, its compiled deformable attention is replaced by its own
PyTorch core for forward and backward, no backbone weights are downloaded);
:func:`official_args` reads its training options from its own ``main.py``;
:func:`build_official` builds a family's model and criterion; :class:`NoiseReplay`
controls and records the random draws of its ``prepare_for_dn``.

Nothing of the checkout is copied into this repository: it is read from the path given.
"""
import argparse
import ast
import contextlib
import importlib
import importlib.util
import sys
import types
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Optional, Sequence, Tuple

import torch
from torch import Tensor, nn

from mmdn.converters import COCO_CATEGORY_IDS

#: The official families, their ``-m`` model name, the options of the official README's
#: COCO training command beside ``--use_dn``, and the package of their code.
FAMILIES: Dict[str, Dict] = {
    'dn_dab_detr_r50': dict(modelname='dn_dab_detr', options=[],
                            package='DN_DAB_DETR'),
    'dn_dab_detr_r50_dc5_3pat': dict(modelname='dn_dab_detr',
                                     options=['--dilation', '--num_patterns', '3'],
                                     package='DN_DAB_DETR'),
    'dn_dab_deformable_detr': dict(modelname='dn_dab_deformable_detr',
                                   options=['--transformer_activation', 'relu'],
                                   package='dn_dab_deformable_detr'),
    'dn_dab_deformable_detr_deformable_encoder_only': dict(
        modelname='dn_dab_deformable_detr_deformable_encoder_only',
        options=['--transformer_activation', 'relu', '--num_patterns', '3'],
        package='dn_dab_deformable_detr_deformable_encoder_only'),
}

#: Files whose presence makes a folder a DN-DETR checkout.
CHECKOUT_FILES = ('main.py', 'models/DN_DAB_DETR/dn_components.py',
                  'models/dn_dab_deformable_detr/dn_components.py', 'util/misc.py')

#: Top-level module names of the checkout, removed from ``sys.modules`` on exit.
_OFFICIAL_TOP = ('models', 'util', 'MultiScaleDeformableAttention')


def _timm_stand_in() -> Dict[str, types.ModuleType]:
    """``timm.models.layers`` for the import of the official Swin backbones, which the
    ResNet families never build; using it fails naming timm."""
    def missing(*args, **kwargs):
        raise OfficialCodeError('the official Swin backbones need timm (pip install timm)')

    layers = types.ModuleType('timm.models.layers')
    layers.DropPath = layers.to_2tuple = layers.trunc_normal_ = missing
    timm, timm_models = types.ModuleType('timm'), types.ModuleType('timm.models')
    timm.models, timm_models.layers = timm_models, layers
    return {'timm': timm, 'timm.models': timm_models, 'timm.models.layers': layers}


class OfficialCodeError(ValueError):
    """A path that is not a DN-DETR checkout, or a family it does not have."""


def check_checkout(root: Path) -> Path:
    """``root`` resolved, if it holds :data:`CHECKOUT_FILES`.

    Raises:
        OfficialCodeError: naming the first missing file.
    """
    root = Path(root).resolve()
    for name in CHECKOUT_FILES:
        if not (root / name).is_file():
            raise OfficialCodeError(f'{root} is not a DN-DETR checkout '
                                    f'(github IDEA-Research/DN-DETR): {name} is missing')
    return root


def check_family(family: str) -> Dict:
    """The entry of :data:`FAMILIES`, or an error listing them."""
    if family not in FAMILIES:
        raise OfficialCodeError(f'the official code has no family {family!r} '
                                f'(families: {", ".join(FAMILIES)})')
    return FAMILIES[family]


def _cpu(device):
    """'cpu' for a CUDA device given as a string or a ``torch.device``."""
    if isinstance(device, str) and device.startswith('cuda') or \
            isinstance(device, torch.device) and device.type == 'cuda':
        return 'cpu'
    return device


@contextlib.contextmanager
def official_code(root: Path) -> Iterator[Path]:
    """Makes the checkout at ``root`` importable on the CPU, for the ``with`` block.

    - ``Tensor.cuda()`` returns the tensor and ``Tensor.to('cuda')`` stays on the CPU
      (the official denoising code moves its tensors to CUDA unconditionally);
    - the compiled ``MultiScaleDeformableAttention`` extension is a stand-in, and
      ``MSDeformAttnFunction.apply`` is the official ``ms_deform_attn_core_pytorch``
      (autograd gives its backward), patched where a family's package is imported;
    - ``models`` is a namespace without the official ``models/__init__.py``, which
      imports a family the release does not contain;
    - without timm, a stand-in of ``timm.models.layers`` for the Swin code's import.

    The official code needs torchvision (its ResNet and box operations), matching torch.

    On exit the patches are undone and the checkout's modules forgotten.
    """
    root = check_checkout(root)
    saved = dict(cuda=torch.Tensor.cuda, to=torch.Tensor.to)
    original_to = torch.Tensor.to

    def to(self, *args, **kwargs):
        args = tuple(_cpu(a) for a in args)
        if 'device' in kwargs:
            kwargs['device'] = _cpu(kwargs['device'])
        return original_to(self, *args, **kwargs)

    torch.Tensor.cuda = lambda self, *args, **kwargs: self
    torch.Tensor.to = to
    models = types.ModuleType('models')
    models.__path__ = [str(root / 'models')]
    sys.modules['models'] = models
    sys.modules['MultiScaleDeformableAttention'] = types.ModuleType(
        'MultiScaleDeformableAttention')
    stand_ins = {} if importlib.util.find_spec('timm') else _timm_stand_in()
    sys.modules.update(stand_ins)
    sys.path.insert(0, str(root))
    try:
        yield root
    finally:
        torch.Tensor.cuda, torch.Tensor.to = saved['cuda'], saved['to']
        sys.path.remove(str(root))
        for name in list(sys.modules):
            if name.split('.')[0] in _OFFICIAL_TOP or name in stand_ins:
                del sys.modules[name]


def official_args(root: Path, family: str, overrides: Sequence[str] = ()
                  ) -> argparse.Namespace:
    """The official training options of ``family``: ``get_args_parser`` of the
    checkout's ``main.py`` (read, not imported: ``main.py`` imports its datasets), given
    ``-m``, ``--use_dn``, the family's README options, then ``overrides``."""
    root = check_checkout(root)
    entry = check_family(family)
    tree = ast.parse((root / 'main.py').read_text())
    parser_fn = next((node for node in tree.body if isinstance(node, ast.FunctionDef)
                      and node.name == 'get_args_parser'), None)
    if parser_fn is None:
        raise OfficialCodeError(f'{root / "main.py"} has no get_args_parser')
    scope: Dict = {'argparse': argparse}
    exec(compile(ast.Module(body=[parser_fn], type_ignores=[]), str(root / 'main.py'),
                 'exec'), scope)
    parser = scope['get_args_parser']()
    return argparse.ArgumentParser(parents=[parser], add_help=False).parse_args(
        ['-m', entry['modelname'], '--use_dn', '--coco_path', 'unused', '--device', 'cpu',
         *entry['options'], *overrides])


def build_official(family: str, args: argparse.Namespace
                   ) -> Tuple[nn.Module, nn.Module, Callable]:
    """The official model, criterion and ``prepare_for_dn`` module of ``family``, built
    inside :func:`official_code` (random weights, no download).

    Returns:
        tuple: the model, the criterion and the family's ``dn_components`` module.
    """
    package = check_family(family)['package']
    backbone = importlib.import_module(f'models.{package}.backbone')
    backbone.is_main_process = lambda: False  # torchvision's pretrained=False
    ops = f'models.{package}.ops.functions.ms_deform_attn_func'
    if (Path(sys.modules['models'].__path__[0]) / package / 'ops').is_dir():
        func = importlib.import_module(ops)
        core = func.ms_deform_attn_core_pytorch

        def apply(value, shapes, level_start_index, locations, weights, im2col_step):
            return core(value, shapes, locations, weights)

        func.MSDeformAttnFunction.apply = staticmethod(apply)
    module = importlib.import_module(f'models.{package}')
    build = next(getattr(module, name) for name in dir(module) if name.startswith('build_'))
    model, criterion, _ = build(args)
    components = importlib.import_module(f'models.{package}.dn_components')
    return model, criterion, components


class NoiseReplay:
    """Draws of the official ``prepare_for_dn``, controlled and recorded.

    While active (a context manager), ``torch.rand_like`` and ``torch.randint_like``
    draw from ``generator``, and every draw is kept in order: the label-flip
    probabilities (``rand_like`` of a 1-D float tensor), the flipped labels
    (``randint_like``) and the box-noise uniforms in [0, 1) (``rand_like`` of an (N, 4)
    tensor).

    Flipped labels: the official draws a class id in [0, 91), 11 of which are no COCO
    category (12% of flips, a label no 80-class model can hold); here the draw is a
    uniform one of the 80 category ids (:data:`COCO_CATEGORY_IDS`). With
    ``keep_first_flip``, the first flip of each batch lands on its object's own class
    (a flip that changes nothing, which both codes must treat alike).

    Attributes:
        draws (list[dict]): per ``prepare_for_dn`` call, ``label_p`` (P*K, ), ``flipped``
            (F, ) indices, ``new_labels`` (F, ) category ids, ``box_u`` (P*K, 4).
    """

    def __init__(self, generator: torch.Generator, keep_first_flip: bool = False) -> None:
        self.generator = generator
        self.keep_first_flip = keep_first_flip
        self.draws: List[Dict[str, Tensor]] = []
        self._labels: Optional[Tensor] = None

    def start_batch(self, known_labels: Tensor) -> None:
        """Begins a batch's draws; ``known_labels`` (P*K, ) are the official repeated
        labels, needed for ``keep_first_flip``."""
        self._labels = known_labels
        self.draws.append({})

    def _rand_like(self, like: Tensor, *args, **kwargs) -> Tensor:
        out = torch.rand(like.shape, generator=self.generator, dtype=like.dtype)
        self.draws[-1]['label_p' if like.dim() == 1 else 'box_u'] = out.clone()
        return out

    def _randint_like(self, like: Tensor, low: int, high: int = None, **kwargs) -> Tensor:
        ids = torch.tensor(COCO_CATEGORY_IDS, dtype=like.dtype)
        out = ids[torch.randint(len(ids), like.shape, generator=self.generator)]
        draw = self.draws[-1]
        draw['flipped'] = like.clone()
        if self.keep_first_flip and len(like):
            out[0] = self._labels[like[0]]
        draw['new_labels'] = out.clone()
        return out

    def __enter__(self) -> 'NoiseReplay':
        self._saved = torch.rand_like, torch.randint_like
        torch.rand_like, torch.randint_like = self._rand_like, self._randint_like
        return self

    def __exit__(self, *exc) -> None:
        torch.rand_like, torch.randint_like = self._saved


@contextlib.contextmanager
def official_giou_epsilon(eps: float) -> Iterator[None]:
    """The official GIoU (``util/box_ops.py``: in its losses, matcher and denoising
    losses) with ``eps`` in place of the 1e-6 it adds to the union and the enclosing
    area of normalised boxes, for the block (inside :func:`official_code`)."""
    import util.box_ops as box_ops
    saved = box_ops.box_iou, box_ops.generalized_box_iou

    def box_iou(boxes1: Tensor, boxes2: Tensor) -> Tuple[Tensor, Tensor]:
        area1, area2 = box_ops.box_area(boxes1), box_ops.box_area(boxes2)
        lt = torch.max(boxes1[:, None, :2], boxes2[:, :2])
        rb = torch.min(boxes1[:, None, 2:], boxes2[:, 2:])
        wh = (rb - lt).clamp(min=0)
        inter = wh[:, :, 0] * wh[:, :, 1]
        union = area1[:, None] + area2 - inter
        return inter / (union + eps), union

    def generalized_box_iou(boxes1: Tensor, boxes2: Tensor) -> Tensor:
        iou, union = box_iou(boxes1, boxes2)
        lt = torch.min(boxes1[:, None, :2], boxes2[:, :2])
        rb = torch.max(boxes1[:, None, 2:], boxes2[:, 2:])
        wh = (rb - lt).clamp(min=0)
        area = wh[:, :, 0] * wh[:, :, 1]
        return iou - (area - union) / (area + eps)

    box_ops.box_iou, box_ops.generalized_box_iou = box_iou, generalized_box_iou
    try:
        yield
    finally:
        box_ops.box_iou, box_ops.generalized_box_iou = saved
