"""The GPU acceptance check (``tools/misc/check_gpu.py``): mmcv's CUDA kernels against
their PyTorch paths, a train step of every family's R50 pair in float32 and mixed
precision, the flagship pair's step times, and a launcher run of the flagship, as rows of
one table.

On ``cpu`` the same checks run at a small size (the kernel compared is then the PyTorch
path mmcv runs there): what the table, the comparisons and the verdicts do is tested
without a GPU.
"""
import math
import os
import os.path as osp
import re
import statistics
import subprocess
import sys
import time
from typing import Callable, Dict, List, NamedTuple, Optional, Sequence, Tuple

import torch
from mmengine.config import Config

from mmdn.engine.amp import configure_amp
from .cost import ModelCost, markdown_table

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
# One R50 baseline / DN pair a family, the DN config's ``_base_`` first.
PAIRS: Tuple[Tuple[str, str], ...] = (
    ('dab_detr_r50_50e', 'dn_dab_detr_r50_50e'),
    ('detr_r50_300e', 'dn_detr_r50_300e'),
    ('dab_deformable_detr_r50_12e', 'dn_deformable_detr_r50_12e'),
    ('dab_deformable_detr_pp_r50_12e', 'dn_deformable_detr_pp_r50_12e'),
    ('anchor_detr_r50_dc5_12e', 'dn_anchor_detr_r50_dc5_12e'),
    ('group_dab_detr_r50_dc5_12e', 'dn_group_dab_detr_r50_dc5_12e'),
    ('dino_r50_nodn_12e', 'dn_dino_r50_12e'),
    ('sam_detr_pp_r50_12e', 'dn_sam_detr_pp_r50_12e'),
    ('faster_rcnn_r50_fpn_12e', 'dn_faster_rcnn_r50_fpn_12e'),
    ('mask2former_r50_12e', 'dn_mask2former_r50_12e'),
    ('mask_dino_r50_12e_no_mask_dn', 'mask_dino_r50_12e'),
)
FLAGSHIP = PAIRS[0]
# Relative difference (norm of the difference / norm of the reference) allowed for the
# output and the gradients of the value, sampling locations and attention weights. In
# float16 the op's own arithmetic on the sampling positions (2 x - 1, then x W - 0.5)
# moves some samples across cell edges, where the gradient of bilinear interpolation
# jumps: mmcv's PyTorch path in float16 has 7e-2 on the location gradients (CPU).
TOLERANCE = {torch.float32: (1e-4, 1e-4, 1e-4, 1e-4), torch.float16: (1e-2, 1e-2, 2e-1, 1e-2)}
QUANTITIES = ('output', 'd value', 'd locations', 'd weights')
HEADER = ('check', 'setting', 'result', 'verdict')
PARTS = ('attention', 'train', 'speed', 'launchers')


class Row(NamedTuple):
    check: str
    setting: str
    result: str
    verdict: str  # 'ok', 'FAIL' or 'info'


class Size(NamedTuple):
    """How large each check runs."""
    image: Tuple[int, int]  # (h, w) of the train-step batches
    warmup: int  # untimed train steps of each model before the timed ones
    steps: int  # timed train steps of each model in the per-family check
    speed_iters: int  # timed iterations of each model in the speed check
    levels: Tuple[Tuple[int, int], ...]  # feature maps of the attention check
    queries: int
    rehearsal: Tuple[str, ...]  # options of tools/misc/rehearse_coco.py


GPU_SIZE = Size((800, 1333), 2, 3, 50, ((100, 167), (50, 84), (25, 42), (13, 21)), 900,
                ('--keep-backbone', '--scale', '1.0'))
CPU_SIZE = Size((64, 96), 0, 1, 1, ((12, 16), (6, 8)), 20, ('--scale', '0.25'))


def _relative(diff: torch.Tensor, ref: torch.Tensor) -> float:
    return (diff.norm() / ref.norm().clamp(min=1e-12)).item()


def deformable_attention_rows(device: str, size: Size) -> List[Row]:
    """mmcv's multi-scale deformable attention as training runs it on ``device`` (the
    CUDA kernel there, the PyTorch path on the CPU) in float32, float16 and bfloat16,
    against the PyTorch path computed in float32 on the same inputs (rounded to that
    precision): the relative differences (norms) of the output and of the gradients of
    the value, sampling locations and attention weights."""
    from mmcv.ops.multi_scale_deform_attn import (
        MultiScaleDeformableAttnFunction,
        multi_scale_deformable_attn_pytorch,
    )
    gen = torch.Generator().manual_seed(0)
    shapes = torch.tensor(size.levels)
    starts = torch.cat([shapes.new_zeros(1), shapes.prod(1).cumsum(0)[:-1]])
    bs, heads, dims, points, levels = 2, 8, 32, 4, len(size.levels)
    inputs = (torch.rand(bs, int(shapes.prod(1).sum()), heads, dims, generator=gen),
              torch.rand(bs, size.queries, heads, levels, points, 2, generator=gen),
              torch.rand(bs, size.queries, heads, levels * points, generator=gen)
              .softmax(-1).view(bs, size.queries, heads, levels, points))
    grad_out = torch.randn(bs, size.queries, heads * dims, generator=gen)
    shapes, starts = shapes.to(device), starts.to(device)

    def run(fn: Callable, dtype: torch.dtype, compute: torch.dtype) -> List[torch.Tensor]:
        """Output and input gradients of ``fn`` in ``compute``, on the inputs rounded to
        ``dtype``."""
        leaves = [t.to(dtype).to(device, compute).detach().requires_grad_() for t in inputs]
        out = fn(leaves)
        out.backward(grad_out.to(dtype).to(device, compute))
        return [out.detach().float()] + [t.grad.float() for t in leaves]

    def pytorch_path(t: List[torch.Tensor]) -> torch.Tensor:
        return multi_scale_deformable_attn_pytorch(t[0], shapes, t[1], t[2])

    if device.startswith('cuda'):
        name = 'CUDA kernel'

        def kernel(t: List[torch.Tensor]) -> torch.Tensor:
            return MultiScaleDeformableAttnFunction.apply(t[0], shapes, starts, t[1], t[2], 64)
    else:
        name, kernel = 'PyTorch path', pytorch_path
    check = f'deformable attention, {name} vs PyTorch path in float32'
    rows = []
    for dtype in (torch.float32, torch.float16, torch.bfloat16):
        setting = str(dtype).replace('torch.', '')
        reference = run(pytorch_path, dtype, torch.float32)
        try:
            results = run(kernel, dtype, dtype)
        except RuntimeError as err:
            # bfloat16 is no training precision here (--amp is float16 on CUDA): shown,
            # not failed.
            rows.append(Row(check, setting, f'runs not: {str(err).splitlines()[0][:80]}',
                            'info' if dtype == torch.bfloat16 else 'FAIL'))
            continue
        diffs = [_relative(r - ref, ref) for r, ref in zip(results, reference)]
        tols = TOLERANCE.get(dtype)
        finite = all(bool(torch.isfinite(r).all()) for r in results)
        result = ', '.join(f'{k} {d:.1e}' + (f' (<= {t:.0e})' if tols else '')
                           for k, d, t in zip(QUANTITIES, diffs, tols or diffs))
        ok = finite and tols is not None and all(d <= t for d, t in zip(diffs, tols))
        rows.append(Row(check, setting, result, 'info' if tols is None else
                        'ok' if ok else 'FAIL'))
    return rows


def _config(name: str, amp: bool) -> Config:
    cfg = Config.fromfile(osp.join(REPO, 'configs', f'{name}.py'))
    if amp:
        configure_amp(cfg)
    return cfg


def _peak(device: str) -> Optional[float]:
    return torch.cuda.max_memory_allocated(device) / 2**30 if device.startswith('cuda') \
        else None


def _step(model: ModelCost, device: str) -> Tuple[float, float, Optional[float]]:
    """One timed train step: (total loss, seconds, peak GiB on CUDA)."""
    if device.startswith('cuda'):
        torch.cuda.reset_peak_memory_stats(device)
    start = time.perf_counter()
    log_vars = model.train_step()
    seconds = time.perf_counter() - start
    return float(log_vars['loss'].detach()), seconds, _peak(device)


def train_step_rows(pairs: Sequence[Tuple[str, str]], device: str, size: Size,
                    objects: int = 7) -> List[Row]:
    """For each pair and precision (float32, then ``--amp``'s: float16 on CUDA, bfloat16
    elsewhere): ``size.warmup`` and ``size.steps`` timed train steps of each model (random
    weights, 2 images, ``objects`` boxes each); the losses finite, median step times and
    peak memory, DN / baseline."""
    rows = []
    for baseline, dn in pairs:
        for amp in (False, True):
            setting = ('float16' if device.startswith('cuda') else 'bfloat16') + ' (--amp)' \
                if amp else 'float32'
            try:
                cfgs = [_config(name, amp) for name in (baseline, dn)]
            except ValueError as err:  # --amp refused for this model on this device
                rows.append(Row(f'train step {dn}', setting, str(err).split(';')[0], 'info'))
                continue
            measured = []
            for cfg in cfgs:
                model = ModelCost(cfg, size.image, 2, objects, device)
                for _ in range(size.warmup):
                    model.train_step()
                steps = [_step(model, device) for _ in range(size.steps)]
                peaks = [s[2] for s in steps if s[2] is not None]
                measured.append((steps[-1][0], statistics.median(s[1] for s in steps),
                                 max(peaks) if peaks else None))
                del model
            (loss_a, time_a, mem_a), (loss_b, time_b, mem_b) = measured
            finite = math.isfinite(loss_a) and math.isfinite(loss_b)
            memory = (f', peak {mem_a:.2f} / {mem_b:.2f} GiB ({mem_b / mem_a:.2f}x)'
                      if mem_a else '')
            rows.append(Row(f'train step {baseline} / {dn}', setting,
                            f'loss {loss_a:.2f} / {loss_b:.2f}, {time_a:.3f} / {time_b:.3f} s '
                            f'({time_b / time_a:.2f}x){memory}',
                            'ok' if finite else 'FAIL'))
    return rows


def speed_rows(device: str, size: Size, objects: int = 7) -> List[Row]:
    """The flagship pair in float32 over ``size.speed_iters`` train steps each,
    alternating, after ``size.warmup`` more: median step times and their ratio, and the
    forward GFLOPs an image in training (the paper: DN adds 0.1 %)."""
    models = [ModelCost(_config(name, False), size.image, 2, objects, device)
              for name in FLAGSHIP]
    times: List[List[float]] = [[], []]
    for step in range(size.warmup + size.speed_iters):
        for i in ((0, 1) if step % 2 == 0 else (1, 0)):
            start = time.perf_counter()
            models[i].train_step()
            if step >= size.warmup:
                times[i].append(time.perf_counter() - start)
    (time_a, time_b) = (statistics.median(t) for t in times)
    flops = [m.gflops_per_image()[0] for m in models]
    check = f'{FLAGSHIP[0]} / {FLAGSHIP[1]}'
    return [
        Row(check, f'train step, median of {size.speed_iters}',
            f'{time_a:.3f} / {time_b:.3f} s ({time_b / time_a:.3f}x)', 'info'),
        Row(check, 'train GFLOPs / image',
            f'{flops[0]:.1f} / {flops[1]:.1f} ({(flops[1] / flops[0] - 1) * 100:+.2f} %)', 'info'),
    ]


def launcher_rows(work_dir: str, size: Size) -> List[Row]:
    """The flagship through ``tools/dist_train.sh`` (train, resume) and
    ``tools/dist_test.sh`` in one process on the COCO rehearsal set
    (``tools/misc/rehearse_coco.py``, its output in ``WORK_DIR/rehearse_coco.log``): its
    time and the test's bbox mAP."""
    os.makedirs(work_dir, exist_ok=True)
    cmd = [sys.executable, osp.join(REPO, 'tools', 'misc', 'rehearse_coco.py'),
           osp.join(REPO, 'configs', f'{FLAGSHIP[1]}.py'), '--processes', '1',
           '--train-images', '7', '--dense-objects', '100', '--work-dir', work_dir,
           '--port', '29680', *size.rehearsal]
    env = dict(os.environ)
    env['PATH'] = f'{osp.dirname(sys.executable)}{os.pathsep}{env["PATH"]}'
    log = osp.join(work_dir, 'rehearse_coco.log')
    start = time.time()
    with open(log, 'w') as f:
        proc = subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT, env=env, cwd=REPO)
    took = time.time() - start
    check = f'{FLAGSHIP[1]}: dist_train.sh, resume, dist_test.sh'
    lines = open(log).read().strip().splitlines()
    if proc.returncode != 0:
        return [Row(check, '1 process', f'failed ({log}): {lines[-1] if lines else ""}',
                    'FAIL')]
    found = re.findall(r'coco/bbox_mAP: (-?[\d.]+)',
                       open(osp.join(work_dir, 'test.log')).read())
    return [Row(check, '1 process', f'passed in {took:.0f} s, test bbox mAP '
                f'{found[-1] if found else "?"}', 'ok' if found else 'FAIL')]


def check(device: str, work_dir: str, pairs: Sequence[Tuple[str, str]] = PAIRS,
          parts: Sequence[str] = PARTS) -> List[Row]:
    """Every check of ``parts`` on ``device``, at the GPU size on CUDA, else the small one.
    """
    size = GPU_SIZE if device.startswith('cuda') else CPU_SIZE
    rows: List[Row] = []
    if 'attention' in parts:
        rows += deformable_attention_rows(device, size)
    if 'train' in parts:
        rows += train_step_rows(pairs, device, size)
    if 'speed' in parts:
        rows += speed_rows(device, size)
    if 'launchers' in parts:
        rows += launcher_rows(osp.join(work_dir, 'rehearsal'), size)
    return rows


def table(rows: Sequence[Row]) -> str:
    """The rows as one markdown table."""
    return markdown_table(HEADER, [list(r) for r in rows])


def describe(device: str) -> str:
    """The device, torch, CUDA and mmcv's build, for the table's heading."""
    import mmcv
    from mmcv.ops import get_compiling_cuda_version
    what = torch.cuda.get_device_name(device) if device.startswith('cuda') else 'CPU'
    return (f'{what}; torch {torch.__version__} (CUDA {torch.version.cuda}), mmcv '
            f'{mmcv.__version__} (ops built for CUDA {get_compiling_cuda_version()})')


def refusal(device: str) -> Optional[str]:
    """Why the check cannot run on ``device``, or None."""
    if device.startswith('cuda') and not torch.cuda.is_available():
        return (f'no CUDA device: torch {torch.__version__} (CUDA {torch.version.cuda}) sees '
                'no GPU here. Run it on a GPU machine, or with --device cpu for the small '
                'CPU version of the same checks.')
    return None


def summary(rows: Sequence[Row]) -> Dict[str, int]:
    """How many rows of each verdict."""
    return {v: sum(r.verdict == v for r in rows) for v in ('ok', 'FAIL', 'info')}
