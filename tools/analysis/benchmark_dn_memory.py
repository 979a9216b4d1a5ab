"""Peak memory of a train step, a DN config against its baseline, on dense images.

For each object count, each model runs one train step (forward, loss, backward, optimizer
step) in a process of its own on the same synthetic batch (random weights, no downloads);
the step's peak is ``torch.cuda.max_memory_allocated`` on a GPU, and on the CPU the
process's peak resident memory during the step above its resident memory before it.
Prints a table with the ratio DN / baseline for every count.

Example::

    python tools/analysis/benchmark_dn_memory.py configs/dab_detr_r50_50e.py \\
        configs/dn_dab_detr_r50_50e.py --objects 10 100 500 --shape 512 640
    # the same DN config with a cap on the denoising queries:
    python tools/analysis/benchmark_dn_memory.py configs/dab_detr_r50_50e.py \\
        configs/dn_dab_detr_r50_50e.py --dn-options model.dn_cfg.max_dn_queries=1000
"""
import argparse
import json
import resource
import subprocess
import sys
from typing import List, Optional

import torch
from mmengine.config import DictAction

from mmdn.analysis import markdown_table


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('config_a', help='the baseline config')
    parser.add_argument('config_b', help='the DN config')
    parser.add_argument('--objects', type=int, nargs='+', default=[10, 100, 500],
                        help='ground-truth objects an image')
    parser.add_argument('--shape', type=int, nargs=2, default=(512, 640), metavar=('H', 'W'))
    parser.add_argument('--batch', type=int, default=2, help='images a step')
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--dn-options', nargs='+', action=DictAction, default={},
                        help='config overrides of the DN model, key=value')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, default={},
                        help='config overrides of both models, key=value (e.g. '
                        'model.data_preprocessor.batch_augments=None)')
    parser.add_argument('--child', nargs=2, metavar=('CONFIG', 'OBJECTS'),
                        help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def _resident_bytes() -> int:
    """The process's resident memory now (Linux)."""
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * resource.getpagesize()


def measure_one(config: str, objects: int, args: argparse.Namespace) -> int:
    """Peak bytes of one train step of ``config`` (run in this process)."""
    from mmengine.config import Config

    from mmdet.utils import register_all_modules
    from mmdn.analysis import ModelCost
    from mmdn.engine import quiet_logger
    register_all_modules()
    quiet_logger('benchmark_dn_memory')
    options = args.dn_options if config == args.config_b else {}
    cfg = Config.fromfile(config)
    cfg.merge_from_dict(args.cfg_options)
    cfg.merge_from_dict(options)
    model = ModelCost(cfg, tuple(args.shape), args.batch, objects, args.device)
    if args.device.startswith('cuda'):
        torch.cuda.reset_peak_memory_stats()
        before = torch.cuda.memory_allocated()
        model.train_step()
        return torch.cuda.max_memory_allocated() - before
    before = _resident_bytes()
    model.train_step()
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - before


def main() -> None:
    args = parse_args()
    if args.child:
        print(json.dumps(measure_one(args.child[0], int(args.child[1]), args)))
        return
    rows = []
    for objects in args.objects:
        peaks = []
        for config in (args.config_a, args.config_b):
            cmd = [sys.executable, __file__, *sys.argv[1:], '--child', config, str(objects)]
            out = subprocess.run(cmd, capture_output=True, text=True)
            if out.returncode != 0:
                sys.exit(f'{config} with {objects} objects failed:\n{out.stderr[-3000:]}')
            peaks.append(json.loads(out.stdout.strip().splitlines()[-1]))
        a, b = (p / 2**20 for p in peaks)
        rows.append([str(objects), f'{a:.0f}', f'{b:.0f}', f'{b / a:.2f}'])
    print(f'device {args.device}, {args.batch} images of {args.shape[0]}x{args.shape[1]}, '
          f'peak memory of one train step (MiB)')
    print(f'A = {args.config_a}\nB = {args.config_b} {args.dn_options or ""}')
    print(f'both: {args.cfg_options}\n' if args.cfg_options else '')
    print(markdown_table(['objects an image', 'A', 'B', 'B / A'], rows))


if __name__ == '__main__':
    main()
