"""The embedded demo dataset: seeded synthetic shapes written in COCO format.

Each image is a textured background with clutter (thin lines and dots that are not
objects) and 1-10 filled shapes of ``DEMO_CLASSES``. Every class has its own shape and a
typical hue (jittered per object), objects take 10-70 % of the image side with aspect
ratios between 1:2 and 2:1, and may overlap a little (IoU <= 0.3 with every earlier
object, so each stays mostly visible). Boxes are the tight extents of the drawn shapes;
``segmentation`` is each object's visible pixels (its drawn shape less the later shapes
drawn over it) as compressed COCO RLE, and ``area`` their number.

Two looks (``DEMO_LOOKS``): ``filled`` (the demo set) and ``outlined``, a variant the demo
recipes were not tuned on: shapes drawn as 2-4 px outlines in another palette (so no class
keeps its colour), objects of 15-50 % of the image side. Its boxes are the tight extents
of the painted pixels, as the filled look's are.

Each annotation file records the generator's ``DEMO_VERSION`` (``info.version``: 2 added
the masks, 3 the look), the seed, the look and the split sizes, so that a folder written by
an older generator or with other arguments is recognised (:func:`demo_dataset_is_current`).
The output is deterministic for a given seed and look::

    OUT_DIR/train/000000.png ...   OUT_DIR/annotations/train.json
    OUT_DIR/val/000000.png ...     OUT_DIR/annotations/val.json
"""
import json
import math
from pathlib import Path
from typing import Dict, List, NamedTuple, Tuple

import numpy as np
from PIL import Image, ImageDraw
from pycocotools import mask as mask_utils

# The generator's version: 2 adds the instance masks (``segmentation``, mask ``area``),
# 3 the looks and records seed, look and split sizes (the filled images are those of 2).
DEMO_VERSION = 3
DEMO_CLASSES = ('ellipse', 'rectangle', 'triangle', 'diamond', 'cross', 'star')
# Typical RGB colour of each class; objects jitter it, so colour alone is a strong cue.
HUES = ((220, 60, 60), (60, 180, 75), (70, 90, 230), (240, 200, 40), (200, 70, 210),
         (40, 200, 210))


class DemoLook(NamedTuple):
    """How objects are drawn: filled or as outlines of 2-4 px, each class's typical RGB
    colour, and the range of an object's side as a fraction of the image's shorter side."""
    filled: bool
    hues: Tuple[Tuple[int, int, int], ...]
    side_range: Tuple[float, float]


DEMO_LOOKS = {
    'filled': DemoLook(True, HUES, (0.10, 0.70)),
    'outlined': DemoLook(False, ((250, 130, 20), (120, 40, 160), (235, 235, 235),
                                 (25, 25, 25), (250, 120, 180), (130, 140, 30)),
                         (0.15, 0.50)),
}


def _polygon(cls: str, x0: float, y0: float, x1: float, y1: float) -> List[Tuple]:
    """Vertices of a shape touching all four sides of the box (x0, y0, x1, y1)."""
    cx, cy, w, h = (x0 + x1) / 2, (y0 + y1) / 2, x1 - x0, y1 - y0
    if cls == 'triangle':
        return [(cx, y0), (x1, y1), (x0, y1)]
    if cls == 'diamond':
        return [(cx, y0), (x1, cy), (cx, y1), (x0, cy)]
    if cls == 'cross':
        a, b = w / 6, h / 6
        return [(cx - a, y0), (cx + a, y0), (cx + a, cy - b), (x1, cy - b), (x1, cy + b),
                (cx + a, cy + b), (cx + a, y1), (cx - a, y1), (cx - a, cy + b), (x0, cy + b),
                (x0, cy - b), (cx - a, cy - b)]
    if cls == 'star':
        pts = []
        for k in range(10):
            r = 1.0 if k % 2 == 0 else 0.45
            t = -math.pi / 2 + k * math.pi / 5
            pts.append((math.cos(t) * r, math.sin(t) * r))
        xs, ys = [p[0] for p in pts], [p[1] for p in pts]
        sx, sy = w / (max(xs) - min(xs)), h / (max(ys) - min(ys))
        return [(x0 + (px - min(xs)) * sx, y0 + (py - min(ys)) * sy) for px, py in pts]
    raise ValueError(f'no polygon for class {cls!r}')


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union


def _background(rng: np.random.Generator, w: int, h: int) -> Image.Image:
    """A low-contrast gradient with pixel noise, thin lines and dots as clutter."""
    base = rng.integers(90, 170, size=3)
    grad = rng.uniform(-40, 40, size=(2, 3))
    yy, xx = np.mgrid[0:h, 0:w]
    img = (base + xx[..., None] / w * grad[0] + yy[..., None] / h * grad[1] +
           rng.normal(0, 8, size=(h, w, 3)))
    image = Image.fromarray(np.clip(img, 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(image)
    for _ in range(int(rng.integers(2, 8))):
        pts = rng.uniform(0, 1, size=4) * [w, h, w, h]
        draw.line(list(pts), fill=tuple(int(c) for c in rng.integers(40, 215, 3)), width=1)
    for _ in range(int(rng.integers(3, 15))):
        x, y = rng.uniform(0, 1, size=2) * [w, h]
        r = rng.uniform(1, 2.5)
        draw.ellipse([x - r, y - r, x + r, y + r],
                     fill=tuple(int(c) for c in rng.integers(40, 215, 3)))
    return image


def _draw_shape(draw: ImageDraw.ImageDraw, cls: str, box: Tuple[int, int, int, int],
                colour, line_width: int = 0) -> None:
    """Draws a shape of class ``cls`` touching the sides of the integer box: filled, or
    its outline ``line_width`` px wide when that is > 0."""
    x0, y0, x1, y1 = box
    paint = dict(outline=colour, width=line_width) if line_width else dict(fill=colour)
    if cls == 'ellipse':
        draw.ellipse([x0, y0, x1 - 1, y1 - 1], **paint)
    elif cls == 'rectangle':
        draw.rectangle([x0, y0, x1 - 1, y1 - 1], **paint)
    else:
        draw.polygon(_polygon(cls, x0, y0, x1 - 1, y1 - 1), **paint)


def _draw_image(rng: np.random.Generator, look: DemoLook) -> Tuple[Image.Image, List[Dict]]:
    w, h = (int(v) for v in rng.integers(128, 257, size=2))
    image = _background(rng, w, h)
    draw = ImageDraw.Draw(image)
    boxes: List[np.ndarray] = []
    target = int(rng.integers(1, 11))
    for _ in range(target * 20):
        if len(boxes) == target:
            break
        side = rng.uniform(*look.side_range) * min(w, h)
        aspect = math.exp(rng.uniform(math.log(0.5), math.log(2.0)))
        bw, bh = side * math.sqrt(aspect), side / math.sqrt(aspect)
        if bw >= w - 1 or bh >= h - 1:
            continue
        x0, y0 = rng.uniform(0, w - bw), rng.uniform(0, h - bh)
        box = np.array([x0, y0, x0 + bw, y0 + bh])
        if any(_iou(box, b) > 0.3 for b in boxes):
            continue
        boxes.append(box)
    objects: List[Dict] = []
    masks: List[np.ndarray] = []
    # Larger shapes first, so that no object is hidden under a later, larger one.
    for box in sorted(boxes, key=lambda b: -(b[2] - b[0]) * (b[3] - b[1])):
        label = int(rng.integers(len(DEMO_CLASSES)))
        colour = tuple(int(np.clip(c + rng.integers(-25, 26), 0, 255))
                       for c in look.hues[label])
        line_width = 0 if look.filled else int(rng.integers(2, 5))
        cls, int_box = DEMO_CLASSES[label], tuple(int(round(v)) for v in box)
        _draw_shape(draw, cls, int_box, colour, line_width)
        # The same call on a blank canvas: exactly the pixels this shape painted.
        canvas = Image.new('L', (w, h), 0)
        _draw_shape(ImageDraw.Draw(canvas), cls, int_box, 1, line_width)
        drawn = np.asarray(canvas, dtype=bool)
        ys, xs = np.nonzero(drawn)  # the annotation is the tight box of what is drawn
        x0, y0, x1, y1 = int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1
        for earlier in masks:  # what this shape paints over is no longer visible there
            earlier &= ~drawn
        masks.append(drawn.copy())
        objects.append(dict(category_id=label + 1, bbox=[x0, y0, x1 - x0, y1 - y0]))
    for obj, visible in zip(objects, masks):
        rle = mask_utils.encode(np.asfortranarray(visible.astype(np.uint8)))
        obj['segmentation'] = dict(size=rle['size'], counts=rle['counts'].decode('ascii'))
        obj['area'] = int(visible.sum())
    return image, objects


def make_demo_split(out_dir: Path, split: str, num_images: int, rng: np.random.Generator,
                    look: DemoLook) -> Tuple[List[Dict], List[Dict]]:
    """Draws one split's images into ``out_dir/split``; returns their COCO ``images`` and
    ``annotations``."""
    img_dir = out_dir / split
    img_dir.mkdir(parents=True, exist_ok=True)
    images, annotations = [], []
    for idx in range(num_images):
        image, objects = _draw_image(rng, look)
        name = f'{idx:06d}.png'
        image.save(img_dir / name)
        images.append(dict(id=idx + 1, file_name=name, width=image.width, height=image.height))
        for obj in objects:
            annotations.append(dict(id=len(annotations) + 1, image_id=idx + 1, iscrowd=0,
                                    **obj))
    return images, annotations


def _info(seed: int, look: str, num_images: int) -> Dict:
    """What an annotation file records of the generator and its arguments."""
    return dict(description='mmdn demo shapes', version=DEMO_VERSION, seed=seed, look=look,
                num_images=num_images)


def demo_dataset_is_current(out_dir: str, seed: int = 0, num_train: int = 500,
                            num_val: int = 100, look: str = 'filled') -> bool:
    """Whether ``out_dir`` holds the complete demo dataset these arguments write: both
    annotation files readable and written by this ``DEMO_VERSION`` with this seed, look and
    split sizes, and every image they list present."""
    root = Path(out_dir)
    for split, num in (('train', num_train), ('val', num_val)):
        try:
            coco = json.loads((root / 'annotations' / f'{split}.json').read_text())
        except (OSError, ValueError):
            return False
        if not isinstance(coco, dict) or coco.get('info') != _info(seed, look, num):
            return False
        if not all((root / split / img['file_name']).is_file() for img in coco['images']):
            return False
    return True


def make_demo_dataset(out_dir: str, seed: int = 0, num_train: int = 500,
                      num_val: int = 100, look: str = 'filled') -> Dict[str, Path]:
    """Writes the demo dataset under ``out_dir``; returns the annotation file of each split.

    The train and val splits draw from independent streams of one seeded generator, so
    changing ``num_train`` leaves the val split unchanged. The annotation files are removed
    first and written last (a partly written one does not parse), so an interrupted run
    leaves a folder that :func:`demo_dataset_is_current` rejects.
    """
    if num_train < 1 or num_val < 1:
        raise ValueError(f'num_train and num_val must be >= 1, got {num_train}, {num_val}')
    if look not in DEMO_LOOKS:
        raise ValueError(f'unknown demo look {look!r}; the looks are {sorted(DEMO_LOOKS)}')
    root = Path(out_dir)
    ann_dir = root / 'annotations'
    ann_dir.mkdir(parents=True, exist_ok=True)
    for split in ('train', 'val'):
        (ann_dir / f'{split}.json').unlink(missing_ok=True)
    categories = [dict(id=i + 1, name=n, supercategory='shape')
                  for i, n in enumerate(DEMO_CLASSES)]
    streams = np.random.SeedSequence(seed).spawn(2)
    written = {}
    for split, num, stream in (('train', num_train, streams[0]),
                               ('val', num_val, streams[1])):
        images, annotations = make_demo_split(root, split, num, np.random.default_rng(stream),
                                              DEMO_LOOKS[look])
        coco = dict(info=_info(seed, look, num), images=images, annotations=annotations,
                    categories=categories)
        written[split] = ann_dir / f'{split}.json'
        written[split].write_text(json.dumps(coco))
    return written
