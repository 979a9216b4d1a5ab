"""Writes a small set in COCO's tree, to run a COCO config as it is written before COCO is
at hand (or on a machine without it):

    python tools/misc/make_coco_rehearsal_set.py data/coco [--train-images 8] [--val-images 4]

    data/coco/annotations/instances_train2017.json, instances_val2017.json
    data/coco/train2017/*.jpg, data/coco/val2017/*.jpg

COCO's 80 categories with their ids, images of COCO's sizes (``--image-scale 2``: 320-640
px) of the kinds a COCO job meets (crowd-only, empty, a dense image, extreme boxes, 4:1
and 1:4 images; :mod:`mmdn.datasets.coco_rehearsal`). The COCO configs read it with no
override of their data settings when it is written to ``data/coco`` of the folder they
are run from.
"""
import argparse
import os.path as osp
import sys

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, REPO)

from mmdn.datasets.coco_rehearsal import make_rehearsal_dataset  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('out_dir', nargs='?', default='data/coco', help='default: data/coco')
    parser.add_argument('--train-images', type=int, default=8)
    parser.add_argument('--val-images', type=int, default=4)
    parser.add_argument('--image-scale', type=float, default=2.,
                        help='factor on the image sizes (1: 96-400 px, 2: COCO-sized)')
    parser.add_argument('--dense-objects', type=int, default=100,
                        help='objects of the dense images')
    parser.add_argument('--seed', type=int, default=0)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    files = make_rehearsal_dataset(args.out_dir, seed=args.seed, num_train=args.train_images,
                                   num_val=args.val_images, dense_objects=args.dense_objects,
                                   image_scale=args.image_scale)
    for split, ann_file in files.items():
        print(f'{split}: {ann_file}')


if __name__ == '__main__':
    main()
