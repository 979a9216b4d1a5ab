import pytest
from mmengine.config import Config

from mmdn.engine import check_custom_imports, check_data_files, check_num_classes, find_invalid_json


def _cfg(root, **extra):
    return Config(dict(
        train_dataloader=dict(dataset=dict(
            type='RepeatDataset', times=2,
            dataset=dict(data_root=str(root), ann_file='annotations/train.json'))),
        val_dataloader=dict(dataset=dict(data_root=str(root), ann_file='annotations/val.json')),
        val_evaluator=dict(type='CocoMetric', ann_file=f'{root}/annotations/val.json'),
        **extra))


def test_custom_imports_missing_says_how_to_fix():
    with pytest.raises(ValueError, match=r"(?s)my_cfg\.py does not import mmdn.*custom_imports"):
        check_custom_imports(Config(dict(default_scope='mmdet')), 'my_cfg.py')
    with pytest.raises(ValueError, match='does not import mmdn'):
        check_custom_imports(Config(dict(custom_imports=dict(imports=['other']))), 'x.py')
    check_custom_imports(Config(dict(custom_imports=dict(imports=['mmdn']))), 'x.py')
    check_custom_imports(Config(dict(custom_imports=dict(imports='mmdn.models'))), 'x.py')


def test_missing_data_root_and_annotation_files_are_named(tmp_path):
    with pytest.raises(FileNotFoundError, match=f'data root {tmp_path}/nowhere'):
        check_data_files(_cfg(tmp_path / 'nowhere'), ('train', 'val'))
    (tmp_path / 'annotations').mkdir()
    with pytest.raises(FileNotFoundError, match=r'train_dataloader\.dataset\.ann_file.*train'):
        check_data_files(_cfg(tmp_path), ('train', 'val'))
    (tmp_path / 'annotations' / 'train.json').write_text('{}')
    check_data_files(_cfg(tmp_path), ('train', ))
    with pytest.raises(FileNotFoundError, match='val.json'):
        check_data_files(_cfg(tmp_path), ('train', 'val'))


def test_invalid_json_is_named(tmp_path):
    (tmp_path / 'annotations').mkdir()
    (tmp_path / 'annotations' / 'train.json').write_text('{"images": []}')
    (tmp_path / 'annotations' / 'val.json').write_text('{"images": [')
    find_invalid_json(_cfg(tmp_path), ('train', ))
    with pytest.raises(ValueError, match=r'val_dataloader.*val\.json is not valid JSON'):
        find_invalid_json(_cfg(tmp_path), ('train', 'val'))


def test_num_classes_that_disagrees_with_the_dataset():
    cfg = Config(dict(
        model=dict(bbox_head=dict(num_classes=80)),
        train_dataloader=dict(dataset=dict(type='CocoDataset',
                                           metainfo=dict(classes=('a', 'b', 'c')))),
        val_dataloader=dict(dataset=dict(type='CocoDataset'))))
    with pytest.raises(ValueError, match=r'model\.bbox_head\.num_classes=80, but the train '
                       r'dataset \(CocoDataset\) has 3 classes'):
        check_num_classes(cfg, ('train', 'val'))
    check_num_classes(cfg, ('val', ))  # CocoDataset's own 80 classes
    cfg.model.bbox_head.num_classes = 3
    check_num_classes(cfg, ('train', ))
    with pytest.raises(ValueError, match='val dataset'):
        check_num_classes(cfg, ('val', ))


def test_num_classes_of_a_mask2former_head_counts_things_and_stuff():
    cfg = Config(dict(
        model=dict(panoptic_head=dict(num_things_classes=6, num_stuff_classes=0)),
        train_dataloader=dict(dataset=dict(type='DemoShapesDataset')),
        val_dataloader=dict(dataset=dict(type='CocoDataset'))))
    check_num_classes(cfg, ('train', ))
    with pytest.raises(ValueError, match=r'num_things_classes \+ num_stuff_classes=6, but '
                       r'the val dataset \(CocoDataset\) has 80 classes'):
        check_num_classes(cfg, ('val', ))
