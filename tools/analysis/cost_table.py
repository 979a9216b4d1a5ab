"""The cost table of a list of configs (Table 2, §5.6.4, and Table 1's GFLOPs / Params).

For each config (random weights, a synthetic batch, no data or downloads): parameters,
forward GFLOPs per image in training (with the denoising part, if any) and at test, and
the median train-step time on this device, as a markdown table. Denoising adds the
decoder's extra queries to the train GFLOPs and nothing at test.

Example::

    python tools/analysis/cost_table.py configs/dab_detr_r50_50e.py \\
        configs/dn_dab_detr_r50_50e.py --shape 800 1333
"""
import argparse

import torch

from mmdet.utils import register_all_modules
from mmdn.analysis import ModelCost, markdown_table, median_seconds
from mmdn.engine import quiet_logger


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('configs', nargs='+')
    parser.add_argument('--shape', type=int, nargs=2, default=(800, 1333), metavar=('H', 'W'))
    parser.add_argument('--batch', type=int, default=2, help='images a step')
    parser.add_argument('--objects', type=int, default=7,
                        help='ground-truth objects an image (COCO averages 7.3)')
    parser.add_argument('--steps', type=int, default=3, help='timed train steps')
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    register_all_modules()
    quiet_logger('cost_table')
    rows = []
    for config in args.configs:
        cost = ModelCost(config, args.shape, args.batch, args.objects, args.device)
        train_gflops, test_gflops = cost.gflops_per_image()
        seconds = median_seconds(cost.train_step, args.steps)
        rows.append([config, f'{cost.num_params() / 1e6:.1f}M', f'{train_gflops:.3f}',
                     f'{test_gflops:.3f}', f'{seconds:.3f}'])
    print(f'device {args.device}, {args.batch} images of {args.shape[0]}x{args.shape[1]}, '
          f'{args.objects} objects each\n')
    print(markdown_table(['config', 'params', 'train GFLOPs / image', 'test GFLOPs / image',
                          'train step (s)'], rows))


if __name__ == '__main__':
    main()
