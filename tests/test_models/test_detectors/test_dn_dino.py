import pytest
import torch
from mmengine.config import Config

from mmdet.registry import MODELS
from mmdn.models.detectors import DNDINO, DINOWithoutDN
from .test_dn_detector_mixin import REPO, build_model, decoder_outputs, make_batch

DN_DINO = 'configs/demo/dn_dino_r18_demo.py'


def test_dn_part_is_ours_beside_dinos_selected_queries():
    model = build_model(DN_DINO)
    model.train()
    inputs, samples = make_batch([3, 1])
    out = decoder_outputs(model, inputs, samples)
    meta = out['dn_meta']
    assert meta['num_dn_queries'] == 5 * 3 and meta['num_groups'] == 5  # no negatives
    assert out['hidden_states'].shape[2] == 15 + 30
    losses = model.loss(inputs, samples)
    assert {'dn_loss_cls', 'd1.dn_loss_bbox', 'enc_loss_cls', 'loss_iou'} <= set(losses)
    assert torch.isfinite(model.parse_losses(losses)[0])


def test_baseline_has_no_denoising():
    cfg = Config.fromfile(REPO / 'configs/demo/dino_r18_nodn_demo.py')
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    model.train()
    inputs, samples = make_batch([2, 2])
    assert not hasattr(model, 'dn_query_generator')
    losses = model.loss(inputs, samples)
    assert not any('dn_' in k for k in losses) and 'enc_loss_cls' in losses


@pytest.mark.parametrize('key', ['as_two_stage', 'with_box_refine'])
def test_dino_needs_two_stage_and_refinement(key):
    cfg = Config.fromfile(REPO / 'configs/demo/dino_r18_nodn_demo.py')
    cfg.model[key] = False
    with pytest.raises(ValueError, match='as_two_stage=True and with_box_refine=True'):
        MODELS.build(cfg.model)


def test_registered_names():
    assert MODELS.get('DNDINO') is DNDINO and MODELS.get('DINOWithoutDN') is DINOWithoutDN
