"""Measures what denoising training costs: a DN config against its baseline, in one run.

Both models are built from their configs (random weights, no downloads) and fed the same
synthetic batch; train steps (forward, loss, backward, optimizer step) and inference
steps are timed alternately (A, B, B, A, A, B, ...), so that drift in the machine's
speed and cache effects hit both. It also counts the aten operators of one train step
with torch.profiler, a device-independent proxy for kernel-launch overhead on a GPU.
Prints the ratios B / A.

Example::

    python tools/analysis/benchmark_dn_overhead.py \\
        configs/dab_detr_r50_50e.py configs/dn_dab_detr_r50_50e.py --shape 512 640
"""
import argparse
import statistics
import time
from typing import Callable, Dict, List

import torch
from mmengine.config import Config
from mmengine.logging import MMLogger
from mmengine.optim import build_optim_wrapper
from mmengine.structures import InstanceData
from torch.profiler import ProfilerActivity, profile

from mmdet.registry import MODELS
from mmdet.structures import DetDataSample
from mmdet.utils import register_all_modules


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('config_a', help='the baseline config')
    parser.add_argument('config_b', help='the DN config')
    parser.add_argument('--shape', type=int, nargs=2, default=(512, 640), metavar=('H', 'W'))
    parser.add_argument('--batch', type=int, default=2, help='images a step')
    parser.add_argument('--objects', type=int, default=7,
                        help='ground-truth objects an image (COCO averages 7.3)')
    parser.add_argument('--steps', type=int, default=5, help='timed steps per model')
    parser.add_argument('--warmup', type=int, default=2)
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    return parser.parse_args()


def make_batch(num_images: int, objects: int, shape, num_classes: int, seed: int = 0) -> Dict:
    """uint8 images and DetDataSamples with random boxes, as the dataloader gives them."""
    gen = torch.Generator().manual_seed(seed)
    h, w = shape
    images, samples = [], []
    for _ in range(num_images):
        images.append(torch.randint(0, 256, (3, h, w), dtype=torch.uint8, generator=gen))
        xy = torch.rand(objects, 2, generator=gen) * torch.tensor([w * 0.7, h * 0.7])
        wh = (torch.rand(objects, 2, generator=gen) * 0.25 + 0.05) * torch.tensor([w, h])
        sample = DetDataSample(metainfo=dict(img_shape=(h, w), ori_shape=(h, w),
                                             scale_factor=(1., 1.)))
        sample.gt_instances = InstanceData(
            bboxes=torch.cat([xy, xy + wh], 1),
            labels=torch.randint(num_classes, (objects, ), generator=gen))
        samples.append(sample)
    return dict(inputs=images, data_samples=samples)


class Bench:
    """One config's model, optimizer and batch, with a train and an inference step."""

    def __init__(self, config: str, args: argparse.Namespace) -> None:
        cfg = Config.fromfile(config)
        cfg.model.backbone.init_cfg = None
        torch.manual_seed(0)
        self.name = config
        self.model = MODELS.build(cfg.model).to(args.device)
        self.model.init_weights()
        self.optim_wrapper = build_optim_wrapper(self.model, cfg.optim_wrapper)
        self.batch = make_batch(args.batch, args.objects, args.shape,
                                cfg.model.bbox_head.num_classes)
        self.device = args.device

    def _sync(self) -> None:
        if self.device.startswith('cuda'):
            torch.cuda.synchronize()

    def train_step(self) -> None:
        self.model.train()
        self.model.train_step(self.batch, self.optim_wrapper)
        self._sync()

    @torch.no_grad()
    def test_step(self) -> None:
        self.model.eval()
        self.model.test_step(self.batch)
        self._sync()


def timed(fn: Callable[[], None]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def count_aten_ops(fn: Callable[[], None]) -> int:
    """aten operators called in one run of ``fn`` (nested calls included)."""
    activities = [ProfilerActivity.CPU]
    with profile(activities=activities) as prof:
        fn()
    return sum(1 for e in prof.events() if e.name.startswith('aten::'))


def main() -> None:
    args = parse_args()
    register_all_modules()
    # Only the table: the models' weight-initialisation reports go nowhere.
    MMLogger.get_instance('benchmark_dn_overhead', log_level='ERROR')
    benches = [Bench(args.config_a, args), Bench(args.config_b, args)]
    results: Dict[str, List[List[float]]] = {'train': [[], []], 'test': [[], []]}
    for step in range(args.warmup + args.steps):
        # A, B on even steps and B, A on odd ones: neither always runs on the other's heels.
        order = (0, 1) if step % 2 == 0 else (1, 0)
        for kind in ('train', 'test'):
            for i in order:
                seconds = timed(getattr(benches[i], f'{kind}_step'))
                if step >= args.warmup:
                    results[kind][i].append(seconds)
    ops = [count_aten_ops(b.train_step) for b in benches]

    print(f'device {args.device}, {args.batch} images of {args.shape[0]}x{args.shape[1]}, '
          f'{args.objects} objects each, median of {args.steps} steps')
    print(f'A = {args.config_a}\nB = {args.config_b}\n')
    print('| measure | A | B | B / A |\n|---|---|---|---|')
    for kind, label in (('train', 'train step (s)'), ('test', 'inference step (s)')):
        a, b = (statistics.median(r) for r in results[kind])
        print(f'| {label} | {a:.3f} | {b:.3f} | {b / a:.3f} |')
    print(f'| aten ops per train step | {ops[0]} | {ops[1]} | {ops[1] / ops[0]:.3f} '
          f'(+{ops[1] - ops[0]}) |')


if __name__ == '__main__':
    main()
