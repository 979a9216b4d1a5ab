"""Empty first-layer masks of DN-Mask2Former's denoising queries (paper §4.9).

Draws the denoising queries of a DN-Mask2Former config's training batches (its train
pipeline and augmentation, the shifts of its generator; no weights needed) and prints,
per object size (mask area in the network's input: small < 32², medium < 96² px, large),
the share of denoising queries whose first masked attention, on the stride-32 map, would
cover no cell under Mask2Former's half-cell threshold alone (such a query attends
everywhere), and the share as the head builds it (the highest-coverage cell kept).

Example::

    python tools/analysis/dn_mask_coverage.py configs/demo/dn_mask2former_r18_demo.py \\
        --num-images 100
"""
import argparse
import copy

import torch
from mmengine.config import DictAction
from mmengine.registry import init_default_scope
from mmengine.runner import Runner, set_random_seed

from mmdet.registry import MODELS
from mmdet.utils import register_all_modules
from mmdn.analysis import empty_shares, first_layer_rows
from mmdn.engine import load_config


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('config')
    parser.add_argument('--num-images', type=int, default=100,
                        help='training images drawn (whole batches; default 100)')
    parser.add_argument('--seed', type=int, default=0, help='augmentation and noise seed')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='key=value overrides, as tools/train.py')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    cfg = load_config(args.config, args.cfg_options)
    register_all_modules()
    init_default_scope('mmdet')
    model = MODELS.build(cfg.model).eval()
    head = getattr(model, 'panoptic_head', None)
    if not hasattr(head, 'dn_queries'):
        raise SystemExit(f'{args.config}: no DN-Mask2Former head (model.panoptic_head.type '
                         f'is {type(head).__name__}); give a dn_mask2former config')
    set_random_seed(args.seed)
    loader_cfg = copy.deepcopy(cfg.train_dataloader)
    loader_cfg.update(num_workers=0, persistent_workers=False)
    batches, seen = [], 0
    with torch.no_grad():
        for data in Runner.build_dataloader(loader_cfg, seed=args.seed):
            data = model.data_preprocessor(data, training=True)
            size = model.extract_feat(data['inputs'])[-1].shape[-2:]  # the stride-32 map
            samples = data['data_samples']
            if any(len(s.gt_instances) for s in samples):
                batches.append(first_layer_rows(head, samples, size))
            seen += len(samples)
            if seen >= args.num_images:
                break
    if not batches:
        raise SystemExit(f'{args.config}: no object in the {seen} training images drawn')
    print(f'{args.config}: denoising queries of {seen} training images, first layer '
          f'(stride 32), share whose mask covers no cell')
    print('| objects (mask area, input px) | DN queries | at half a cell | as built |')
    print('|---|---|---|---|')
    for name, count, at_half, built in empty_shares(batches):
        print(f'| {name} | {count} | {100 * at_half:.1f} % | {100 * built:.1f} % |')


if __name__ == '__main__':
    main()
