"""The rehearsal set: COCO's categories and the hard cases of a COCO run."""
import json

from mmdet.datasets import CocoDataset
from mmdn.datasets.coco_rehearsal import COCO_CATEGORY_IDS, KINDS, make_rehearsal_dataset


def test_rehearsal_set_has_cocos_categories_and_hard_cases(tmp_path):
    files = make_rehearsal_dataset(str(tmp_path), num_train=14, num_val=7, dense_objects=320)
    coco = json.loads(files['train'].read_text())
    assert [c['id'] for c in coco['categories']] == list(COCO_CATEGORY_IDS)
    assert [c['name'] for c in coco['categories']] == list(CocoDataset.METAINFO['classes'])
    by_image = {i['id']: [a for a in coco['annotations'] if a['image_id'] == i['id']]
                for i in coco['images']}
    kinds = {i['id']: i['kind'] for i in coco['images']}
    assert sorted(set(kinds.values())) == sorted(KINDS)
    for image in coco['images']:
        anns, kind = by_image[image['id']], image['kind']
        assert (tmp_path / 'train2017' / image['file_name']).is_file()
        if kind == 'crowd_only':
            assert anns and all(a['iscrowd'] == 1 for a in anns)
        elif kind == 'empty':
            assert not anns
        elif kind == 'dense':
            assert len(anns) == 320
        elif kind == 'extreme_boxes':
            sizes = [tuple(a['bbox'][2:]) for a in anns]
            assert (1., 1.) in sizes and (image['width'], image['height']) in sizes
            assert any(w == 0 for w, _ in sizes)  # zero size
            assert any(a['bbox'][0] >= image['width'] for a in anns)  # outside
        elif kind in ('wide', 'tall'):
            ratio = image['width'] / image['height']
            assert ratio == 4 if kind == 'wide' else ratio == 0.25
    assert json.loads(files['val'].read_text())['images']


def test_cocodataset_reads_it_and_drops_what_coco_drops(tmp_path):
    make_rehearsal_dataset(str(tmp_path), num_train=7, num_val=1)
    dataset = CocoDataset(data_root=str(tmp_path), ann_file='annotations/instances_train2017.json',
                          data_prefix=dict(img='train2017/'), pipeline=[],
                          filter_cfg=dict(filter_empty_gt=True, min_size=32))
    kinds = ['crowd_only', 'dense', 'extreme_boxes', 'wide', 'tall', 'mixed']  # not 'empty'
    assert len(dataset) == len(kinds)
    crowd_only = dataset[0]['instances']
    assert crowd_only and all(i['ignore_flag'] == 1 for i in crowd_only)
    extreme = dataset[2]['instances']  # zero-size and outside boxes dropped
    assert len(extreme) == 3
