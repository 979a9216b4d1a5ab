"""Writes the embedded demo dataset (seeded synthetic shapes, COCO format).

Example::

    python tools/misc/make_demo_dataset.py data/demo --seed 0
    # only when data/demo is missing, incomplete or from an older generator version:
    python tools/misc/make_demo_dataset.py data/demo --seed 0 --if-stale
    # the variant the demo recipes were not tuned on: outlined shapes, other colours
    python tools/misc/make_demo_dataset.py data/demo_outlined --seed 1 --look outlined
"""
import argparse

from mmdn.datasets.demo_shapes import DEMO_LOOKS, demo_dataset_is_current, make_demo_dataset


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('out_dir', help='folder to write images and annotations/ into')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--num-train', type=int, default=500)
    parser.add_argument('--num-val', type=int, default=100)
    parser.add_argument('--look', choices=sorted(DEMO_LOOKS), default='filled',
                        help='filled shapes (the demo) or outlines in other colours')
    parser.add_argument('--if-stale', action='store_true',
                        help='leave a complete dataset of this version written with these '
                        'arguments as it is')
    args = parser.parse_args()
    dataset = (args.out_dir, args.seed, args.num_train, args.num_val, args.look)
    if args.if_stale and demo_dataset_is_current(*dataset):
        print(f'{args.out_dir}: current demo dataset, left as it is')
        return
    written = make_demo_dataset(*dataset)
    for split, path in written.items():
        print(f'{split}: {path}')


if __name__ == '__main__':
    main()
