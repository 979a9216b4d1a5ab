from pathlib import Path

import pytest
from mmengine.config import Config

from mmdn.analysis import known_class_split, unknown_class_annotations

REPO = Path(__file__).resolve().parents[2]


def test_split_is_seeded_sorted_and_sized():
    split = known_class_split(80, 0.7, seed=0)
    assert len(split) == 56 and split == sorted(set(split))
    assert 0 <= split[0] and split[-1] < 80
    assert split == known_class_split(80, 0.7, seed=0)
    assert split != known_class_split(80, 0.7, seed=1)
    for ratio in (0.0, 1.0, 0.001):
        with pytest.raises(ValueError, match='no known or no unknown'):
            known_class_split(80, ratio)


@pytest.mark.parametrize('config,num_classes,ratio', [
    ('configs/known_objects/dn_dab_detr_r50_50e_known0.7.py', 80, 0.7),
    ('configs/known_objects/dn_dab_detr_r50_50e_known0.5.py', 80, 0.5),
    ('configs/known_objects/dn_dab_detr_r50_50e_known0.5_cond.py', 80, 0.5),
    ('configs/demo/known_objects/dn_dab_detr_r18_demo_known0.5.py', 6, 0.5),
])
def test_configs_hold_the_seeded_splits(config, num_classes, ratio):
    model = Config.fromfile(REPO / config).model
    assert model.known_classes == known_class_split(num_classes, ratio)
    assert model.dn_cfg.matching_sees_dn is True


def test_unknown_class_annotations_keep_images_categories_and_label_order():
    coco = dict(images=[dict(id=1), dict(id=2)],
                categories=[dict(id=7, name='b'), dict(id=3, name='a'), dict(id=9, name='c')],
                annotations=[dict(id=i, image_id=1 + i % 2, category_id=c)
                             for i, c in enumerate([3, 7, 9, 9, 3])])
    out = unknown_class_annotations(coco, ['a', 'b', 'c'], [0, 2])  # known: a (3), c (9)
    assert [a['id'] for a in out['annotations']] == [1]
    assert out['images'] == coco['images'] and out['categories'] == coco['categories']
    assert len(coco['annotations']) == 5  # the input is untouched
    with pytest.raises(KeyError, match="known class 1 \\('z'\\)"):
        unknown_class_annotations(coco, ['a', 'z', 'c'], [1])
