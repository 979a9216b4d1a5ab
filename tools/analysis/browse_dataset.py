"""Draws a dataset's ground truth as the model receives it: after the config's training
pipeline (resizes, crops, flips), one PNG per image, as mmdet's ``browse_dataset``.

    python tools/analysis/browse_dataset.py configs/demo/dn_dab_detr_r18_demo.py \\
        --output-dir browse [--max-images 20] [--split train|val|test] [--cfg-options ...]

Use it to check a custom dataset: class names, box positions, what a crop leaves.
"""
import argparse
import os
import os.path as osp

from mmengine.config import DictAction
from mmengine.registry import init_default_scope
from mmengine.utils import import_modules_from_strings

from mmdet.registry import DATASETS, VISUALIZERS
from mmdet.structures.bbox import BaseBoxes
from mmdn.engine import load_config


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('config', help='config file path')
    parser.add_argument('--output-dir', required=True, help='where the PNGs go')
    parser.add_argument('--split', choices=['train', 'val', 'test'], default='train',
                        help="whose dataset and pipeline (default: train)")
    parser.add_argument('--max-images', type=int, help='at most this many images')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config keys, xxx=yyy (see mmdet)')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    cfg = load_config(args.config, args.cfg_options)
    import_modules_from_strings(**cfg.custom_imports)
    init_default_scope(cfg.get('default_scope', 'mmdet'))

    dataset = DATASETS.build(cfg[f'{args.split}_dataloader'].dataset)
    visualizer = VISUALIZERS.build({**cfg.visualizer, 'vis_backends': None})  # PNGs only
    visualizer.dataset_meta = dataset.metainfo
    os.makedirs(args.output_dir, exist_ok=True)
    count = len(dataset) if args.max_images is None else min(args.max_images, len(dataset))
    for index in range(count):
        item = dataset[index]
        sample = item['data_samples'].numpy()
        gt = sample.gt_instances
        if isinstance(gt.get('bboxes'), BaseBoxes):
            gt.bboxes = gt.bboxes.tensor
        name = osp.splitext(osp.basename(sample.img_path))[0]
        image = item['inputs'].permute(1, 2, 0).numpy()[..., [2, 1, 0]]  # BGR -> RGB
        visualizer.add_datasample(name, image, sample, draw_pred=False, show=False,
                                  out_file=osp.join(args.output_dir, f'{name}.png'))
        print(f'{name}: {len(gt)} objects, {image.shape[1]}x{image.shape[0]}')
    print(f'{count} images drawn in {args.output_dir}')


if __name__ == '__main__':
    main()
