"""A small COCO-format set with what a COCO training job meets, for rehearsing one on a CPU.

COCO's category ids and names (80 classes, ids 1-90 with gaps) so that a COCO config's
own dataset reads it unchanged, and images of these kinds, in turn::

    crowd_only     every annotation iscrowd=1: the model sees no object
    empty          no annotation (dropped by filter_empty_gt, kept in val)
    dense          a few hundred small objects (``dense_objects``)
    extreme_boxes  a 1x1 and a 2x3 px box, a box the size of the image, a zero-size
                   box and a box outside the image (the last two dropped by the dataset)
    wide / tall    4:1 and 1:4 images with ordinary objects
    mixed          ordinary objects of varied aspect ratios beside a crowd region

Images are 96-400 px (times ``image_scale``; 2 gives COCO's sizes, up to 640 px on the
long side of ordinary images) of plain texture with filled rectangles at the boxes.
"""
import json
from pathlib import Path
from typing import Dict, List, Tuple

import numpy as np
from PIL import Image, ImageDraw

from mmdet.datasets import CocoDataset

# COCO's category ids, in the order of CocoDataset's class names.
COCO_CATEGORY_IDS = (
    1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 27,
    28, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 46, 47, 48, 49, 50, 51, 52, 53,
    54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 67, 70, 72, 73, 74, 75, 76, 77, 78, 79, 80,
    81, 82, 84, 85, 86, 87, 88, 89, 90)
KINDS = ('crowd_only', 'empty', 'dense', 'extreme_boxes', 'wide', 'tall', 'mixed')

Box = Tuple[float, float, float, float]  # (x, y, w, h), COCO's


def _random_boxes(rng: np.random.Generator, w: int, h: int, n: int, lo: float,
                  hi: float) -> List[Box]:
    """``n`` boxes inside the image with sides of ``lo``-``hi`` of the image's and
    aspect ratios between 1:3 and 3:1."""
    boxes = []
    for _ in range(n):
        side = rng.uniform(lo, hi) * min(w, h)
        aspect = np.exp(rng.uniform(np.log(1 / 3), np.log(3)))
        bw, bh = min(side * np.sqrt(aspect), w - 1), min(side / np.sqrt(aspect), h - 1)
        boxes.append((float(rng.uniform(0, w - bw)), float(rng.uniform(0, h - bh)),
                      float(bw), float(bh)))
    return boxes


def _image(rng: np.random.Generator, kind: str, dense_objects: int,
           image_scale: float) -> Tuple[Tuple[int, int], List[Box], List[Box]]:
    """The size (w, h), ordinary boxes and crowd boxes of an image of ``kind``."""
    w, h = (int(v * image_scale) for v in rng.integers(160, 320, size=2))
    if kind == 'wide':
        w, h = int(400 * image_scale), int(100 * image_scale)
    elif kind == 'tall':
        w, h = int(96 * image_scale), int(384 * image_scale)
    boxes: List[Box] = []
    crowd: List[Box] = []
    if kind == 'crowd_only':
        crowd = _random_boxes(rng, w, h, int(rng.integers(1, 4)), 0.3, 0.8)
    elif kind == 'dense':
        boxes = _random_boxes(rng, w, h, dense_objects, 0.02, 0.12)
    elif kind == 'extreme_boxes':
        boxes = [(5., 5., 1., 1.), (20., 10., 2., 3.), (0., 0., float(w), float(h)),
                 (30., 30., 0., 12.), (w + 10., h + 10., 20., 20.)]
    elif kind in ('wide', 'tall', 'mixed'):
        boxes = _random_boxes(rng, w, h, int(rng.integers(1, 8)), 0.1, 0.6)
        if kind == 'mixed':
            crowd = _random_boxes(rng, w, h, 1, 0.3, 0.6)
    return (w, h), boxes, crowd


def _draw(rng: np.random.Generator, size: Tuple[int, int], boxes: List[Box]) -> Image.Image:
    w, h = size
    pixels = rng.integers(60, 200, size=(h, w, 3), dtype=np.uint8)
    image = Image.fromarray(pixels)
    draw = ImageDraw.Draw(image)
    for x, y, bw, bh in boxes:
        if bw >= 1 and bh >= 1:
            draw.rectangle([x, y, x + bw - 1, y + bh - 1],
                           fill=tuple(int(c) for c in rng.integers(0, 256, 3)))
    return image


def make_rehearsal_split(out_dir: Path, split: str, num_images: int,
                         rng: np.random.Generator, dense_objects: int,
                         image_scale: float = 1.) -> Dict:
    """Draws one split's images into ``out_dir/split`` and returns its COCO dict."""
    img_dir = out_dir / split
    img_dir.mkdir(parents=True, exist_ok=True)
    images, annotations = [], []
    for idx in range(num_images):
        kind = KINDS[idx % len(KINDS)]
        size, boxes, crowd = _image(rng, kind, dense_objects, image_scale)
        name = f'{idx:06d}.jpg'
        _draw(rng, size, boxes + crowd).save(img_dir / name)
        images.append(dict(id=idx + 1, file_name=name, width=size[0], height=size[1],
                           kind=kind))
        for box, iscrowd in [(b, 0) for b in boxes] + [(b, 1) for b in crowd]:
            x, y, bw, bh = box
            annotations.append(dict(
                id=len(annotations) + 1, image_id=idx + 1, bbox=list(box), area=bw * bh,
                category_id=int(rng.choice(COCO_CATEGORY_IDS)), iscrowd=iscrowd,
                segmentation=[[x, y, x + bw, y, x + bw, y + bh, x, y + bh]]))
    categories = [dict(id=i, name=n, supercategory='object')
                  for i, n in zip(COCO_CATEGORY_IDS, CocoDataset.METAINFO['classes'])]
    return dict(images=images, annotations=annotations, categories=categories)


def make_rehearsal_dataset(out_dir: str, seed: int = 0, num_train: int = 28,
                           num_val: int = 7, dense_objects: int = 320,
                           image_scale: float = 1.) -> Dict[str, Path]:
    """Writes ``annotations/instances_{train,val}2017.json`` and the images of
    ``train2017/`` and ``val2017/`` under ``out_dir`` (COCO's layout); returns each
    split's annotation file."""
    if num_train < 1 or num_val < 1:
        raise ValueError(f'num_train and num_val must be >= 1, got {num_train}, {num_val}')
    root = Path(out_dir)
    (root / 'annotations').mkdir(parents=True, exist_ok=True)
    written = {}
    for split, num, stream in zip(('train', 'val'), (num_train, num_val),
                                  np.random.SeedSequence(seed).spawn(2)):
        coco = make_rehearsal_split(root, f'{split}2017', num, np.random.default_rng(stream),
                                    dense_objects, image_scale)
        ann_file = root / 'annotations' / f'instances_{split}2017.json'
        ann_file.write_text(json.dumps(coco))
        written[split] = ann_file
    return written
