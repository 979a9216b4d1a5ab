import hashlib
import json

import numpy as np
import pytest
from pycocotools.coco import COCO

from mmdn.datasets.demo_shapes import DEMO_CLASSES, make_demo_dataset
from ..conftest import run_script


def _digest(root):
    h = hashlib.sha256()
    for path in sorted(p for p in root.rglob('*') if p.is_file()):
        h.update(path.relative_to(root).as_posix().encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def test_same_seed_same_bytes_other_seed_differs(tmp_path):
    make_demo_dataset(str(tmp_path / 'a'), seed=7, num_train=6, num_val=3)
    make_demo_dataset(str(tmp_path / 'b'), seed=7, num_train=6, num_val=3)
    make_demo_dataset(str(tmp_path / 'c'), seed=8, num_train=6, num_val=3)
    assert _digest(tmp_path / 'a') == _digest(tmp_path / 'b')
    assert _digest(tmp_path / 'a') != _digest(tmp_path / 'c')


def test_val_split_does_not_depend_on_train_size(tmp_path):
    make_demo_dataset(str(tmp_path / 'a'), seed=1, num_train=3, num_val=4)
    make_demo_dataset(str(tmp_path / 'b'), seed=1, num_train=9, num_val=4)
    assert _digest(tmp_path / 'a' / 'val') == _digest(tmp_path / 'b' / 'val')


def test_pycocotools_reads_it_and_statistics_match_the_spec(demo_data):
    coco = COCO(str(demo_data / 'annotations' / 'train.json'))
    assert [c['name'] for c in coco.loadCats(coco.getCatIds())] == list(DEMO_CLASSES)
    assert len(coco.getImgIds()) == 16
    for img in coco.loadImgs(coco.getImgIds()):
        assert 128 <= img['width'] <= 256 and 128 <= img['height'] <= 256
        anns = coco.loadAnns(coco.getAnnIds(imgIds=img['id']))
        assert 1 <= len(anns) <= 10
        for ann in anns:
            x, y, w, h = ann['bbox']
            assert w > 0 and h > 0
            assert x >= 0 and y >= 0 and x + w <= img['width'] and y + h <= img['height']
            assert ann['iscrowd'] == 0
            mask = coco.annToMask(ann).astype(bool)
            assert mask.shape == (img['height'], img['width'])
            assert ann['area'] == mask.sum() > 0
            ys, xs = mask.nonzero()  # the visible pixels lie in the box
            assert xs.min() >= x and xs.max() < x + w and ys.min() >= y and ys.max() < y + h
        masks = np.stack([coco.annToMask(a) for a in anns]).astype(int)
        assert masks.sum(0).max() == 1  # an object's visible pixels are its own


def test_boxes_are_tight_around_the_drawn_shapes(demo_data):
    """Shapes are flat-coloured: every side of a box that overlaps no other box holds a
    pixel of its shape's colour, and the one-pixel ring just outside holds none."""
    from PIL import Image
    data = json.loads((demo_data / 'annotations' / 'val.json').read_text())
    by_image = {}
    for ann in data['annotations']:
        by_image.setdefault(ann['image_id'], []).append(ann)
    checked = 0
    for img in data['images']:
        pix = np.asarray(Image.open(demo_data / 'val' / img['file_name']).convert('RGB'))
        pad = np.pad(pix.astype(int), ((1, 1), (1, 1), (0, 0)), constant_values=-1)
        anns = by_image[img['id']]
        for ann in anns:
            x, y, w, h = ann['bbox']
            if any(ox < x + w + 1 and x - 1 < ox + ow and oy < y + h + 1 and y - 1 < oy + oh
                   for ox, oy, ow, oh in (a['bbox'] for a in anns if a is not ann)):
                continue
            inside = pix[y:y + h, x:x + w].reshape(-1, 3)
            colours, counts = np.unique(inside, axis=0, return_counts=True)
            fill = colours[counts.argmax()]
            box = pad[y:y + h + 2, x:x + w + 2]  # the box with a one-pixel ring
            is_fill = (box == fill).all(-1)
            for side in (is_fill[1, 1:-1], is_fill[-2, 1:-1], is_fill[1:-1, 1],
                         is_fill[1:-1, -2]):
                assert side.any()
            for ring in (is_fill[0], is_fill[-1], is_fill[:, 0], is_fill[:, -1]):
                assert not ring.any()
            checked += 1
    assert checked >= 5


def test_masks_are_the_pixels_each_shape_painted(demo_data):
    """Where an object overlaps no other box, its mask is exactly the pixels of its
    flat fill colour inside its box."""
    from PIL import Image
    coco = COCO(str(demo_data / 'annotations' / 'val.json'))
    checked = 0
    for img in coco.loadImgs(coco.getImgIds()):
        pix = np.asarray(Image.open(demo_data / 'val' / img['file_name']).convert('RGB'))
        anns = coco.loadAnns(coco.getAnnIds(imgIds=img['id']))
        for ann in anns:
            x, y, w, h = ann['bbox']
            if any(ox < x + w and x < ox + ow and oy < y + h and y < oy + oh
                   for ox, oy, ow, oh in (a['bbox'] for a in anns if a is not ann)):
                continue
            inside = pix[y:y + h, x:x + w]
            colours, counts = np.unique(inside.reshape(-1, 3), axis=0, return_counts=True)
            is_fill = (inside == colours[counts.argmax()]).all(-1)
            mask = coco.annToMask(ann).astype(bool)
            assert (mask[y:y + h, x:x + w] == is_fill).mean() > 0.995  # background noise
            assert mask.sum() == mask[y:y + h, x:x + w].sum()
            checked += 1
    assert checked >= 5


@pytest.mark.parametrize('num_train, num_val', [(0, 3), (3, 0)])
def test_rejects_empty_splits(tmp_path, num_train, num_val):
    with pytest.raises(ValueError, match='num_train and num_val'):
        make_demo_dataset(str(tmp_path), 0, num_train, num_val)


def test_a_stale_or_incomplete_folder_is_recognised(tmp_path):
    from mmdn.datasets.demo_shapes import demo_dataset_is_current
    root = tmp_path / 'demo'
    assert not demo_dataset_is_current(str(root))
    make_demo_dataset(str(root), seed=0, num_train=3, num_val=2)
    assert demo_dataset_is_current(str(root), 0, 3, 2)
    (root / 'train' / '000001.png').unlink()  # an image lost
    assert not demo_dataset_is_current(str(root), 0, 3, 2)
    make_demo_dataset(str(root), seed=0, num_train=3, num_val=2)
    ann_file = root / 'annotations' / 'val.json'
    coco = json.loads(ann_file.read_text())
    del coco['info']  # a folder written before masks were added
    ann_file.write_text(json.dumps(coco))
    assert not demo_dataset_is_current(str(root), 0, 3, 2)


def test_a_folder_written_with_other_arguments_is_not_current(tmp_path):
    from mmdn.datasets.demo_shapes import demo_dataset_is_current
    root = str(tmp_path / 'demo')
    make_demo_dataset(root, seed=0, num_train=3, num_val=2)
    assert demo_dataset_is_current(root, 0, 3, 2)
    assert not demo_dataset_is_current(root, 1, 3, 2)
    assert not demo_dataset_is_current(root, 0, 4, 2)
    assert not demo_dataset_is_current(root, 0, 3, 2, look='outlined')


def test_an_interrupted_rewrite_leaves_a_stale_folder(tmp_path, monkeypatch):
    """Rewriting a complete folder with another look, stopped after some images: the
    old annotation files must not vouch for the half-replaced images."""
    from mmdn.datasets import demo_shapes
    root = str(tmp_path / 'demo')
    make_demo_dataset(root, seed=0, num_train=3, num_val=2)
    calls = []

    def failing_split(*args, **kwargs):
        calls.append(args)
        raise KeyboardInterrupt

    monkeypatch.setattr(demo_shapes, 'make_demo_split', failing_split)
    with pytest.raises(KeyboardInterrupt):
        make_demo_dataset(root, seed=0, num_train=3, num_val=2, look='outlined')
    assert calls
    assert not demo_shapes.demo_dataset_is_current(root, 0, 3, 2)
    assert not demo_shapes.demo_dataset_is_current(root, 0, 3, 2, look='outlined')


def test_outlined_look_boxes_are_the_painted_extents(tmp_path):
    """The outlined variant: other colours, objects drawn as thin outlines (their masks
    cover a small part of the box), boxes the tight extents of the painted pixels."""
    from mmdn.datasets.demo_shapes import DEMO_LOOKS
    root = tmp_path / 'outlined'
    make_demo_dataset(str(root), seed=2, num_train=2, num_val=6, look='outlined')
    coco = COCO(str(root / 'annotations' / 'val.json'))
    assert coco.dataset['info']['look'] == 'outlined'
    fill_ratios = []
    for img in coco.loadImgs(coco.getImgIds()):
        short = min(img['width'], img['height'])
        for ann in coco.loadAnns(coco.getAnnIds(imgIds=img['id'])):
            x, y, w, h = ann['bbox']
            lo, hi = DEMO_LOOKS['outlined'].side_range
            # a side of the drawn box lies within the range / sqrt(2..1/2) of the aspect
            assert lo * short / 2 ** 0.5 - 1 <= max(w, h) <= hi * short * 2 ** 0.5 + 1
            mask = coco.annToMask(ann).astype(bool)
            ys, xs = mask.nonzero()
            assert xs.min() >= x and xs.max() < x + w and ys.min() >= y and ys.max() < y + h
            fill_ratios.append(mask.sum() / (w * h))
    assert max(fill_ratios) < 0.6 and np.median(fill_ratios) < 0.4


def test_unknown_look_is_refused(tmp_path):
    with pytest.raises(ValueError, match="unknown demo look 'dotted'"):
        make_demo_dataset(str(tmp_path), look='dotted')


def test_the_tool_regenerates_only_a_stale_folder(tmp_path):
    root = tmp_path / 'demo'
    args = ['tools/misc/make_demo_dataset.py', str(root), '--num-train', '2', '--num-val', '1',
            '--if-stale']
    first = run_script(args)
    assert first.returncode == 0 and 'train:' in first.stdout
    second = run_script(args)
    assert second.returncode == 0 and 'left as it is' in second.stdout
    (root / 'val' / '000000.png').unlink()
    third = run_script(args)
    assert 'val:' in third.stdout and (root / 'val' / '000000.png').is_file()
