import pytest
import torch
from mmengine.config import Config

from mmdet.registry import MODELS
from mmdn.models.detectors import DNDABDETR

from .test_dn_detector_mixin import REPO, decoder_outputs, make_batch


def test_patterns_work_with_dn():
    cfg = Config.fromfile(REPO / 'configs/demo/dn_dab_detr_r18_demo.py')
    cfg.model.num_patterns = 3
    model = MODELS.build(cfg.model)
    model.train()
    inputs, samples = make_batch([2, 1])
    out = decoder_outputs(model, inputs, samples)
    num_dn = out['dn_meta']['num_dn_queries']
    assert out['hidden_states'].shape[2] == num_dn + 90
    losses = model.loss(inputs, samples)
    assert torch.isfinite(sum(losses.values()))


@pytest.mark.parametrize('key', ['num_classes', 'embed_dims'])
def test_dn_cfg_that_disagrees_with_the_model(key):
    cfg = Config.fromfile(REPO / 'configs/demo/dn_dab_detr_r18_demo.py')
    cfg.model.dn_cfg[key] = 3
    with pytest.raises(ValueError, match=f'dn_cfg.{key}=3 disagrees'):
        MODELS.build(cfg.model)


def test_registered_names_do_not_clash_with_mmdet():
    assert MODELS.get('DNDABDETR') is DNDABDETR
    assert MODELS.get('DABDETR').__module__.startswith('mmdet.')
