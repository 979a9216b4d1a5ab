"""Fine-tuning from a checkpoint trained with another class count."""
import json
import re

import pytest
import torch
from mmengine.config import Config
from mmengine.logging import MMLogger

from mmdet.registry import MODELS
from mmdn.engine import load_fitting_weights
from ...conftest import REPO, data_options, run_script

DN_DEMO = REPO / 'configs' / 'demo' / 'dn_dab_detr_r18_demo.py'


def _model(config=DN_DEMO, num_classes=None, seed=0):
    cfg = Config.fromfile(config)
    if num_classes is not None:
        cfg.model.bbox_head.num_classes = num_classes
    torch.manual_seed(seed)
    model = MODELS.build(cfg.model)
    model.init_weights()
    return model


def test_fitting_weights_load_and_class_dependent_ones_keep_their_initialisation(tmp_path):
    trained = _model(seed=1)  # 6 classes
    torch.save(dict(state_dict=trained.state_dict(), meta=dict()), tmp_path / 'six.pth')
    model = _model(num_classes=3, seed=2)
    initial = {k: v.clone() for k, v in model.state_dict().items()}
    report = load_fitting_weights(model, str(tmp_path / 'six.pth'),
                                  MMLogger.get_instance('test_load_fitting'))
    assert report['reinitialised'] == ['bbox_head.fc_cls.weight', 'bbox_head.fc_cls.bias',
                                       'dn_query_generator.label_embedding.weight']
    assert report['missing'] == [] and report['ignored'] == []
    for key, value in model.state_dict().items():
        expected = initial[key] if key in report['reinitialised'] else trained.state_dict()[key]
        assert torch.equal(value, expected), key


def test_a_checkpoint_of_another_model_family_is_refused_naming_what_does_not_fit(tmp_path):
    torch.save(dict(state_dict=_model().state_dict()), tmp_path / 'dab.pth')
    model = _model(REPO / 'configs/demo/dn_faster_rcnn_r18_demo.py')
    with pytest.raises(ValueError) as err:
        load_fitting_weights(model, str(tmp_path / 'dab.pth'))
    message = str(err.value)
    assert f'load_from {tmp_path}/dab.pth does not fit FasterRCNN' in message
    assert 'Not in the checkpoint: neck.lateral_convs.0.conv.weight' in message
    assert 'not in the model: neck.convs.0.conv.weight' in message


@pytest.mark.slow
def test_train_tool_fine_tunes_a_six_class_model_on_a_three_class_subset(demo_data, tmp_path):
    """tools/train.py with load_from: a 6-class demo checkpoint into a 3-class model."""
    trained = _model(seed=1)
    torch.save(dict(state_dict=trained.state_dict(), meta=dict()), tmp_path / 'six.pth')
    classes = "['ellipse','rectangle','triangle']"
    proc = run_script([
        'tools/train.py', str(DN_DEMO), '--work-dir', str(tmp_path / 'wd'), '--cfg-options',
        *data_options(demo_data), f'load_from={tmp_path}/six.pth', 'train_cfg.max_epochs=1',
        'train_cfg.val_interval=100', 'model.bbox_head.num_classes=3',
        f'train_dataloader.dataset.metainfo.classes={classes}',
        f'val_dataloader.dataset.metainfo.classes={classes}',
        f'test_dataloader.dataset.metainfo.classes={classes}'
    ])
    assert proc.returncode == 0, proc.stderr[-3000:]
    log = next((tmp_path / 'wd').glob('2*/*.log')).read_text()
    line = re.search(r'load_from \S+six.pth: loaded .*', log).group(0)
    assert ('re-initialised (shape differs): bbox_head.fc_cls.weight (6, 128)->(3, 128), '
            'bbox_head.fc_cls.bias (6,)->(3,), dn_query_generator.label_embedding.weight '
            '(7, 127)->(4, 127)') in line
    assert 'Epoch(train) [1][2/2]' in log
    checkpoint = torch.load(tmp_path / 'wd' / 'epoch_1.pth', map_location='cpu')
    assert checkpoint['state_dict']['bbox_head.fc_cls.weight'].shape == (3, 128)
    assert json.loads(json.dumps(checkpoint['meta']['dataset_meta']['classes'])) == [
        'ellipse', 'rectangle', 'triangle']


def test_a_baseline_checkpoint_starts_its_dn_model(tmp_path):
    """DAB-DETR's weights into DN-DAB-DETR: the label embedding is initialised."""
    baseline = _model(REPO / 'configs/demo/dab_detr_r18_demo.py')
    torch.save(dict(state_dict=baseline.state_dict()), tmp_path / 'dab.pth')
    report = load_fitting_weights(_model(), str(tmp_path / 'dab.pth'))
    assert report['missing'] == ['dn_query_generator.label_embedding.weight']
    assert report['reinitialised'] == [] and report['ignored'] == []
