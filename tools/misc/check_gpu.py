"""The GPU acceptance check: one command, one table, a few minutes on one GPU.

    python tools/misc/check_gpu.py                 # make check-gpu
    python tools/misc/check_gpu.py --device cpu    # the same checks, small, on the CPU

Rows (:mod:`mmdn.analysis.gpu_check`):

- mmcv's deformable attention kernel against its PyTorch path in float32 (output and
  gradients; float32 and float16 must agree, bfloat16 is shown: the kernel has none);
- one train step of every family's R50 baseline and DN config at 2 x 800 x 1333 with 7
  objects an image, in float32 and with ``--amp``'s precision: losses finite, step times
  and peak ``max_memory_allocated``, DN / baseline;
- DAB-DETR and DN-DAB-DETR over 50 train steps: median step times, their ratio, and the
  train GFLOPs of each;
- the flagship through ``tools/dist_train.sh`` (train and resume) and
  ``tools/dist_test.sh`` in one process on the COCO rehearsal set, at full size with its
  ResNet-50 (``torchvision://resnet50`` must be in torch's cache:
  ``tools/misc/download_pretrained.py``).

Exits 1 when a row fails. Without CUDA, it refuses (exit 2) and writes nothing unless
``--device cpu``.
"""
import argparse
import sys
import tempfile

from mmdet.utils import register_all_modules
from mmdn.analysis import gpu_check
from mmdn.engine import quiet_logger


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--device', default='cuda', help='cuda (default), cuda:N or cpu')
    parser.add_argument('--pairs', nargs='+', metavar='DN_CONFIG',
                        choices=[dn for _, dn in gpu_check.PAIRS],
                        help='only these pairs, by DN config name (default: all)')
    parser.add_argument('--parts', nargs='+', default=list(gpu_check.PARTS),
                        choices=gpu_check.PARTS, help='which checks (default: all)')
    parser.add_argument('--work-dir', help='for the launcher run (default: a temporary folder)')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    problem = gpu_check.refusal(args.device)
    if problem:
        print(f'error: {problem}', file=sys.stderr)
        sys.exit(2)
    register_all_modules()
    quiet_logger('check_gpu')
    pairs = [p for p in gpu_check.PAIRS if not args.pairs or p[1] in args.pairs]
    with tempfile.TemporaryDirectory() as tmp:
        rows = gpu_check.check(args.device, args.work_dir or tmp, pairs, args.parts)
    print(gpu_check.describe(args.device) + '\n')
    print(gpu_check.table(rows))
    counts = gpu_check.summary(rows)
    print(f'\n{counts["ok"]} ok, {counts["FAIL"]} failed, {counts["info"]} for information')
    sys.exit(1 if counts['FAIL'] else 0)


if __name__ == '__main__':
    main()
