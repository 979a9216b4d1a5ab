"""Whether mmcv's compiled ops run on CUDA, checked once at install time.

mmcv builds its CUDA kernels only when the CUDA toolkit (``nvcc``) is found at build time
(``MMDN_CUDA=1 make install`` sees to it); otherwise it installs without them, and on a
GPU machine the first training step fails inside the deformable attention
(DAB-Deformable-DETR, DINO, Mask2Former) or RoIAlign (Faster R-CNN, SAM-DETR).
``tools/install.sh`` ends with

    python -m mmdn.engine.cuda_ops

which, when torch sees CUDA, runs ``MultiScaleDeformableAttnFunction`` and ``roi_align``
on CUDA tensors against their PyTorch / CPU results and stops with the fix when they do
not run. Without CUDA it checks nothing (the CPU paths are what the tests run).
"""
import sys
from typing import Optional

import torch

FIX = ('Rebuild mmcv with its CUDA ops: `{pip} uninstall -y mmcv`, then `MMDN_CUDA=1 make '
       'install`, which compiles them against this torch (CUDA {cuda}) with a toolkit of that '
       'CUDA (`nvcc`) from the machine or, for CUDA 13 and later, from PyPI; TORCH_SPEC / '
       'TORCH_INDEX choose another torch build (docs/get_started.md, "GPU").')


def probe_ops(device: str) -> None:
    """Runs mmcv's multi-scale deformable attention and RoIAlign kernels on ``device`` and
    compares them with the PyTorch path and the CPU kernel; raises on failure."""
    from mmcv.ops import roi_align
    from mmcv.ops.multi_scale_deform_attn import (
        MultiScaleDeformableAttnFunction,
        multi_scale_deformable_attn_pytorch,
    )
    gen = torch.Generator().manual_seed(0)
    shapes = torch.tensor([[6, 8], [3, 4]])
    starts = torch.tensor([0, 48])
    value = torch.rand(1, 60, 2, 8, generator=gen)  # (batch, points, heads, dims)
    # (.., queries, heads, levels, points, xy)
    locations = torch.rand(1, 5, 2, 2, 4, 2, generator=gen)
    weights = torch.rand(1, 5, 2, 2, 4, generator=gen).softmax(-1)
    expected = multi_scale_deformable_attn_pytorch(value, shapes, locations, weights)
    args = [t.to(device) for t in (value, shapes, starts, locations, weights)]
    out = MultiScaleDeformableAttnFunction.apply(*args, 64)
    torch.testing.assert_close(out.cpu(), expected, rtol=1e-4, atol=1e-5)

    features = torch.rand(1, 4, 16, 16, generator=gen)
    rois = torch.tensor([[0., 1., 2., 9., 12.], [0., 0., 0., 15., 15.]])
    expected = roi_align(features, rois, (7, 7), 1.0, 2, 'avg', True)
    out = roi_align(features.to(device), rois.to(device), (7, 7), 1.0, 2, 'avg', True)
    torch.testing.assert_close(out.cpu(), expected, rtol=1e-4, atol=1e-5)


def cuda_ops_problem() -> Optional[str]:
    """None when torch sees no CUDA or mmcv's ops run on it; else what is wrong and the fix."""
    if not torch.cuda.is_available():
        return None
    from mmcv.ops import get_compiling_cuda_version
    fix = FIX.format(cuda=torch.version.cuda, pip=f'{sys.executable} -m pip')
    if get_compiling_cuda_version() == 'not available':
        return f'torch sees CUDA but mmcv was built without its CUDA ops. {fix}'
    try:
        probe_ops('cuda')
    except (RuntimeError, AssertionError) as err:
        return (f"mmcv's CUDA ops (built for CUDA {get_compiling_cuda_version()}) do not run "
                f'on this GPU: {type(err).__name__}: {str(err).splitlines()[0]}. {fix}')
    return None


def main() -> None:
    problem = cuda_ops_problem()
    if problem:
        sys.exit(f'error: {problem}')
    print("mmcv's ops: " + ('deformable attention and RoIAlign run on CUDA'
                            if torch.cuda.is_available() else 'no CUDA here, nothing to check'))


if __name__ == '__main__':
    main()
