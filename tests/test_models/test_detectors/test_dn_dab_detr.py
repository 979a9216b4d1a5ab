import math

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


@pytest.mark.parametrize('config', ['configs/demo/dn_dab_detr_r18_demo.py',
                                    'configs/demo/dn_deformable_detr_r18_demo.py'])
def test_reference_update_takes_the_official_inverse_sigmoid(config):
    """A DN query whose box was noised to the border (anchor log(1000)) refines its
    reference as the official decoder: sigmoid(δ + log(x / 0.001)) with x = sigmoid(
    log 1000), 1 - x below 1e-3 (mmdet's decoder, eps 1e-5, keeps log 1000). The training-
    parity tool found the box branch's gradient 3.7e-4 off before."""
    cfg = Config.fromfile(REPO / config)
    model = MODELS.build(cfg.model).double()
    torch.nn.init.zeros_(model.bbox_head.fc_reg.layers[-1].weight)
    torch.nn.init.zeros_(model.bbox_head.fc_reg.layers[-1].bias)  # δ = 0
    dims = model.embed_dims
    query = torch.randn(1, 3, dims, dtype=torch.float64)
    anchors = torch.full((1, 3, 4), math.log(1000), dtype=torch.float64)
    memory = torch.randn(1, 6, dims, dtype=torch.float64)
    levels = getattr(model.decoder, 'num_levels', 0)  # the multi-level decoder's
    extra = dict(level_sizes=(7 - levels, ) + (1, ) * (levels - 1)) if levels else {}
    references = model.forward_decoder(
        query, anchors, memory, torch.zeros(1, 6, dtype=torch.bool),
        torch.zeros_like(memory), **extra)['references']
    x = 1 / (1 + 1 / 1000)  # sigmoid(log 1000)
    official = 1 / (1 + 0.001 / x)  # sigmoid(log(x / 0.001))
    torch.testing.assert_close(references[1], torch.full_like(references[1], official),
                               rtol=0, atol=1e-12)
