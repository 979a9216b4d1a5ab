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
from typing import Dict, List

import torch
from mmengine.config import Config, DictAction

from mmdet.utils import register_all_modules
from mmdn.analysis import ModelCost, count_aten_ops
from mmdn.engine import quiet_logger


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
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, default={},
                        help='overrides of both configs, e.g. '
                        'model.data_preprocessor.batch_augments=None (no fixed-size pad)')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    register_all_modules()
    # Only the table: the models' weight-initialisation reports go nowhere.
    quiet_logger('benchmark_dn_overhead')
    models = []
    for config in (args.config_a, args.config_b):
        cfg = Config.fromfile(config)
        cfg.merge_from_dict(args.cfg_options)
        models.append(ModelCost(cfg, args.shape, args.batch, args.objects, args.device))
    results: Dict[str, List[List[float]]] = {'train': [[], []], 'test': [[], []]}
    for step in range(args.warmup + args.steps):
        # A, B on even steps and B, A on odd ones: neither always runs on the other's heels.
        order = (0, 1) if step % 2 == 0 else (1, 0)
        for kind in ('train', 'test'):
            for i in order:
                start = time.perf_counter()
                getattr(models[i], f'{kind}_step')()
                if step >= args.warmup:
                    results[kind][i].append(time.perf_counter() - start)
    ops = [count_aten_ops(m.train_step) for m in models]

    print(f'device {args.device}, {args.batch} images of {args.shape[0]}x{args.shape[1]}, '
          f'{args.objects} objects each, median of {args.steps} steps')
    print(f'A = {args.config_a}\nB = {args.config_b}\n'
          f'{args.cfg_options or ""}')
    print('| measure | A | B | B / A |\n|---|---|---|---|')
    for kind, label in (('train', 'train step (s)'), ('test', 'inference step (s)')):
        a, b = (statistics.median(r) for r in results[kind])
        print(f'| {label} | {a:.3f} | {b:.3f} | {b / a:.3f} |')
    print(f'| aten ops per train step | {ops[0]} | {ops[1]} | {ops[1] / ops[0]:.3f} '
          f'(+{ops[1] - ops[0]}) |')


if __name__ == '__main__':
    main()
