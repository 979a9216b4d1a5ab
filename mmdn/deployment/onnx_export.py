"""ONNX export of a detector: the traced graph of :class:`ExportableDetector`, on CPU.

Exported with torch's TorchScript exporter (``dynamo=False``), opset 17; the result is a
plain ONNX graph that stock onnxruntime runs (no custom operators). Three departures
from what a plain ``torch.onnx.export`` of an mmdet model gives, all inside
:func:`onnx_export_context` only:

- mmdet's DETR and Deformable DETR ``pre_transformer`` drop the padding masks when
  ``torch.onnx.is_in_onnx_export()`` (a batch-1 shortcut); the graph would then differ
  from PyTorch's for a padded batch of images of different sizes. The export answers
  that check with False, so the exported graph is the one PyTorch runs.
- mmcv 2.1's ONNX form of RoIAlign (SAM-DETR's and Faster R-CNN's) is written for opset
  <= 12 (``Squeeze`` with an ``axes`` attribute, invalid from opset 13) and shifts
  aligned boxes by hand; here it is opset 16's ``RoiAlign`` with its
  ``coordinate_transformation_mode`` (``half_pixel`` for mmcv's ``aligned=True``).
- mmcv 2.1's NMS has no ONNX form (a trace would freeze the kept indices of the traced
  input); here it is ``NonMaxSuppression``.

Deformable attention exports through mmcv's PyTorch path (``grid_sample``, the standard
``GridSample`` operator), since the model is exported on CPU; mmcv's CUDA kernel has no
ONNX form.
"""
import json
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import Dict, Iterator, Optional, Sequence, Tuple, Union
from unittest import mock

import torch
from mmcv.ops.nms import NMSop
from mmcv.ops.roi_align import RoIAlignFunction
from mmengine.config import Config
from torch import Tensor, nn
from torch.nn.modules.utils import _pair

from ..engine.files import write_atomically
from .exportable_detector import ExportableDetector

OPSET = 17
INPUT_NAMES = ('inputs', 'valid_hw')
OUTPUT_NAMES = ('boxes', 'scores', 'labels')


def _roi_align_symbolic(g, input, rois, output_size, spatial_scale, sampling_ratio,
                        pool_mode, aligned):
    """mmcv's ``roi_align`` as ONNX ``RoiAlign`` (opset >= 16).

    ``rois`` (K, 5) are (batch index, x1, y1, x2, y2); ``aligned`` is the
    ``half_pixel`` transformation (no minimum RoI size), otherwise ``output_half_pixel``
    (RoIs of at least one cell), as mmcv's kernel.
    """
    batch_indices = g.op('Cast', g.op('Gather', rois, g.op(
        'Constant', value_t=torch.tensor(0)), axis_i=1), to_i=7)  # INT64
    boxes = g.op('Gather', rois, g.op('Constant', value_t=torch.tensor([1, 2, 3, 4])),
                 axis_i=1)
    height, width = _pair(output_size)
    return g.op('RoiAlign', input, boxes, batch_indices,
                coordinate_transformation_mode_s='half_pixel' if aligned
                else 'output_half_pixel', mode_s=pool_mode, output_height_i=height,
                output_width_i=width, sampling_ratio_i=max(0, sampling_ratio),
                spatial_scale_f=spatial_scale)


def _nms_symbolic(g, bboxes, scores, iou_threshold, offset, score_threshold, max_num):
    """mmcv's ``nms`` (boxes (N, 4), scores (N,) -> kept indices by decreasing score)
    as ONNX ``NonMaxSuppression``; mmcv 2.1 gives it no ONNX form, and an export would
    freeze the indices of the traced input."""
    if offset != 0:
        raise NotImplementedError('ONNX export of NMS with offset=1 (legacy boxes)')

    def const(value, dtype):
        return g.op('Constant', value_t=torch.tensor(value, dtype=dtype))

    boxes = g.op('Unsqueeze', bboxes, const([0], torch.int64))
    scores = g.op('Unsqueeze', scores, const([0, 1], torch.int64))
    selected = g.op('NonMaxSuppression', boxes, scores,
                    const([max_num if max_num > 0 else 2**31 - 1], torch.int64),
                    const([iou_threshold], torch.float32),
                    const([score_threshold], torch.float32))
    return g.op('Gather', selected, const(2, torch.int64), axis_i=1)


@contextmanager
def onnx_export_context() -> Iterator[None]:
    """The export-time replacements of the module docstring."""
    with mock.patch('torch.onnx.is_in_onnx_export', return_value=False), \
            mock.patch.object(RoIAlignFunction, 'symbolic',
                              staticmethod(_roi_align_symbolic)), \
            mock.patch.object(NMSop, 'symbolic', staticmethod(_nms_symbolic), create=True):
        yield


def max_detections(detector: nn.Module) -> int:
    """Detections an image the detector's test config keeps (``max_per_img``)."""
    if hasattr(detector, 'roi_head'):
        return detector.roi_head.test_cfg['max_per_img']
    head = detector.bbox_head
    return head.test_cfg.get('max_per_img', detector.num_queries)


def min_input_size(detector: nn.Module) -> int:
    """The smallest input height and width accepted: the largest stride of the backbone
    and neck (32, or 64 with an extra neck level), below which the coarsest map would
    stand for less than one of its cells."""
    neck = getattr(detector, 'neck', None)
    extra = len(getattr(neck, 'extra_convs', None) or []) or max(
        getattr(neck, 'num_outs', 0) - len(getattr(neck, 'in_channels', ())), 0)
    return 32 * 2**extra


def example_inputs(batch: int, height: int, width: int) -> Tuple[Tensor, Tensor]:
    """Random normalised images and their valid sizes, every image padded (3/4 of the
    height and 2/3 of the width valid).

    The trace follows the padded path of every data-dependent Python branch it meets
    (the DETR family's padding masks, the RPN's removal of boxes clipped to nothing),
    which is also right for unpadded inputs; traced without padding, the graph would
    drop them.
    """
    gen = torch.Generator().manual_seed(0)
    inputs = torch.randn(batch, 3, height, width, generator=gen)
    valid = torch.tensor([max(height * 3 // 4, 1), max(width * 2 // 3, 1)])
    return inputs, valid.repeat(batch, 1)


def preprocessing_metadata(cfg: Config, classes: Sequence[str]) -> Dict[str, str]:
    """What a runtime needs besides the graph, as ONNX ``metadata_props`` (JSON
    strings): the data preprocessor's mean, std, channel order and size divisor, the test
    pipeline's ``Resize`` and the class names."""
    pre = cfg.model.data_preprocessor
    resize = next((dict(t) for t in cfg.test_dataloader.dataset.pipeline
                   if t['type'] == 'Resize'), dict(scale_factor=1.0))
    resize.pop('type', None)
    return dict(
        mmdn_preprocess=json.dumps(dict(
            mean=list(pre.get('mean', [0., 0., 0.])), std=list(pre.get('std', [1., 1., 1.])),
            bgr_to_rgb=bool(pre.get('bgr_to_rgb', False)),
            pad_size_divisor=int(pre.get('pad_size_divisor', 1)),
            pad_value=float(pre.get('pad_value', 0)), resize=resize)),
        mmdn_classes=json.dumps(list(classes)))


def export_onnx(detector: nn.Module, out_file: Union[str, Path], shape: Tuple[int, int],
                batch: int = 1, dynamic: bool = False,
                metadata: Optional[Dict[str, str]] = None) -> Path:
    """Exports ``detector`` (moved to CPU, eval mode) to ``out_file``, checked by
    ``onnx.checker``, written atomically.

    Args:
        detector (nn.Module): an mmdet detector.
        out_file (str | Path): the ``.onnx`` file.
        shape (tuple[int, int]): (H, W) of the traced inputs, at least
            :func:`min_input_size` each.
        batch (int): images a run; fixed in the graph.
        dynamic (bool): H and W of the inputs free at run time (else fixed to ``shape``).
        metadata (dict, optional): ``metadata_props`` to store (see
            :func:`preprocessing_metadata`).

    Returns:
        Path: ``out_file``.

    Raises:
        ValueError: ``shape`` smaller than the model's largest stride, ``batch`` < 1, or a
            segmentation model (Mask2Former, Mask DINO).
    """
    import onnx

    from ..models.detectors import MaskDINO
    if hasattr(detector, 'panoptic_head') or isinstance(detector, MaskDINO):
        raise ValueError(f'{type(detector).__name__}: segmentation models (their masks) '
                         'are not exported; the graph here gives boxes, scores and labels')
    detector = detector.cpu().eval()
    smallest = min_input_size(detector)
    if min(shape) < smallest or batch < 1:
        raise ValueError(f'--shape {shape[0]} {shape[1]} / --batch {batch}: the input must '
                         f'be at least {smallest} x {smallest} (the largest feature '
                         f'stride) and the batch at least 1')
    module = ExportableDetector(detector, max_detections(detector))
    args = example_inputs(batch, *shape)
    axes = dict(inputs={2: 'height', 3: 'width'}) if dynamic else None

    def write(tmp: str) -> None:
        with torch.no_grad(), onnx_export_context(), warnings.catch_warnings():
            # The trace's warnings (Python values of tensors) are the branches the
            # module docstring and ExportableDetector deal with.
            warnings.simplefilter('ignore')
            torch.onnx.export(module, args, tmp, dynamo=False, opset_version=OPSET,
                              input_names=list(INPUT_NAMES), output_names=list(OUTPUT_NAMES),
                              dynamic_axes=axes)
        model = onnx.load(tmp)
        for key, value in (metadata or {}).items():
            model.metadata_props.add(key=key, value=value)
        onnx.checker.check_model(model, full_check=True)
        onnx.save(model, tmp)

    write_atomically(out_file, write)
    return Path(out_file)
