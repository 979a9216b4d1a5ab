import pytest

from mmdn.datasets import CheckInstanceMasks
from ..conftest import REPO


def test_an_object_without_mask_is_named_with_its_image():
    check = CheckInstanceMasks()
    results = dict(img_path='data/x/000007.png', instances=[
        dict(bbox=[0, 0, 5, 5], bbox_label=1, mask=[[0, 0, 5, 0, 5, 5]], ignore_flag=0),
        dict(bbox=[1, 2, 3, 4], bbox_label=2, ignore_flag=0)])
    with pytest.raises(ValueError, match=r'image data/x/000007\.png: object 1 \(box \[1, 2, '
                       r'3, 4\], label 2\) has no segmentation'):
        check(results)
    results['instances'][1]['ignore_flag'] = 1  # crowd objects are not targets
    assert check(results) is results


def test_the_segmentation_configs_stop_at_a_box_only_annotation(demo_data, tmp_path):
    """Through the real dataset and pipeline: one annotation's segmentation removed."""
    import json
    import shutil

    from mmengine.config import Config

    from mmdet.registry import DATASETS
    root = tmp_path / 'demo'
    shutil.copytree(demo_data, root)
    ann_file = root / 'annotations' / 'train.json'
    coco = json.loads(ann_file.read_text())
    del coco['annotations'][0]['segmentation']
    ann_file.write_text(json.dumps(coco))
    cfg = Config.fromfile(REPO / 'configs/demo/dn_mask2former_r18_demo.py')
    ds_cfg = cfg.train_dataloader.dataset
    ds_cfg.data_root = f'{root}/'
    dataset = DATASETS.build(ds_cfg)
    index = next(i for i in range(len(dataset))
                 if dataset.get_data_info(i)['img_id'] == coco['annotations'][0]['image_id'])
    name = coco['images'][coco['annotations'][0]['image_id'] - 1]['file_name']
    with pytest.raises(ValueError, match=f'{name}: object 0 .* has no segmentation'):
        dataset[index]
