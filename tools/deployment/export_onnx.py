"""Exports a detector's inference graph to ONNX, checks it, and compares onnxruntime's
outputs with PyTorch's.

The graph takes ``inputs`` (B, 3, H, W) float32, images normalised and padded at their
bottom and right as the config's data preprocessor does, and ``valid_hw`` (B, 2) int64,
each image's size before padding; it gives ``boxes`` (B, K, 4) (x1, y1, x2, y2) in the
pixels of ``inputs``, ``scores`` (B, K) and ``labels`` (B, K) int64 after the head's own
top-k (K = its ``max_per_img``; a two-stage detector pads with label -1). A DN model is
its baseline at inference: the graph has nothing of denoising. The config's
pre-processing (resize, mean, std, channel order, size divisor) and class names are
stored in the file's metadata, which ``tools/deployment/onnx_infer.py`` reads.

The export runs on CPU whatever the training device: mmcv's CUDA deformable-attention
kernel has no ONNX form, its PyTorch path (``grid_sample``) exports as the standard
GridSample operator. TorchScript exporter, opset 17; the file is written only once it
passed ``onnx.checker``.

Example::

    python tools/deployment/export_onnx.py configs/demo/dn_dab_detr_r18_demo.py \\
        work_dirs/demo_dn_dab_detr/epoch_12.pth model.onnx --shape 160 160 --dynamic
"""
import argparse
import time

import torch
from mmengine.config import DictAction

from mmdn.deployment import (
    ExportableDetector,
    detection_difference,
    example_inputs,
    export_onnx,
    load_detector,
    max_detections,
    preprocessing_metadata,
)
from mmdn.engine import CheckpointError, quiet_logger


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('out', help='the .onnx file to write')
    parser.add_argument('--shape', type=int, nargs=2, metavar=('H', 'W'),
                        help="input size (default: the test pipeline's Resize scale)")
    parser.add_argument('--dynamic', action='store_true',
                        help='input height and width free at run time')
    parser.add_argument('--batch', type=int, default=1, help='images a run (fixed)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args()


def default_shape(cfg) -> tuple:
    """(H, W) of the test pipeline's ``Resize(scale=(long, short), keep_ratio=True)``:
    (short, long), the size of a landscape image."""
    for t in cfg.test_dataloader.dataset.pipeline:
        if t['type'] == 'Resize' and t.get('scale'):
            return min(t['scale']), max(t['scale'])
    raise SystemExit(f'{cfg.filename}: its test pipeline has no fixed Resize scale; '
                     'give the input size with --shape H W')


def main() -> None:
    args = parse_args()
    quiet_logger('export_onnx')
    try:
        cfg, model, classes = load_detector(args.config, args.checkpoint, args.cfg_options)
    except (CheckpointError, ValueError) as err:
        raise SystemExit(str(err))
    shape = tuple(args.shape) if args.shape else default_shape(cfg)
    start = time.perf_counter()
    try:
        out = export_onnx(model, args.out, shape, batch=args.batch, dynamic=args.dynamic,
                          metadata=preprocessing_metadata(cfg, classes))
    except (ValueError, OSError) as err:
        raise SystemExit(f'{args.out}: not written: {err}')
    print(f'{out}: {args.batch} x 3 x {shape[0]} x {shape[1]}'
          f'{" (height and width dynamic)" if args.dynamic else ""}, '
          f'{len(classes)} classes, exported in {time.perf_counter() - start:.0f} s')
    compare(model, str(out), args.batch, shape)


def compare(model, onnx_file: str, batch: int, shape: tuple) -> None:
    """Runs the traced inputs (padded images) through onnxruntime and PyTorch and prints
    how far their detections are apart."""
    import onnxruntime as ort
    inputs, valid_hw = example_inputs(batch, *shape)
    with torch.no_grad():
        ref = [t.numpy() for t in ExportableDetector(model, max_detections(model))(
            inputs, valid_hw)]
    got = ort.InferenceSession(onnx_file, providers=['CPUExecutionProvider']).run(
        None, dict(inputs=inputs.numpy(), valid_hw=valid_hw.numpy()))
    box, score = detection_difference(got, ref)
    print(f'onnxruntime vs PyTorch on the traced inputs: boxes within {box:.1e} px, '
          f'scores within {score:.1e}')


if __name__ == '__main__':
    main()
