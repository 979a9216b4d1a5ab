import pytest
import torch
from mmengine.config import Config

from mmdet.registry import MODELS
from mmdn.models.detectors import DABDeformableDETRPP, DNDeformableDETRPP
from .test_dn_detector_mixin import REPO, build_model, decoder_outputs, make_batch

DN_PP = 'configs/demo/dn_deformable_detr_pp_r18_demo.py'


def test_dn_gradient_reaches_the_sampling_offsets_of_every_layer():
    model = build_model(DN_PP)
    model.train()
    inputs, samples = make_batch([3, 2])
    losses = model.loss(inputs, samples)
    sum(v for k, v in losses.items() if 'dn_loss' in k).backward()
    for layer in model.decoder.layers:
        grad = layer.cross_attn.sampling_offsets.weight.grad
        assert grad is not None and grad.abs().sum() > 0
    for layer in model.encoder.layers:  # and through the memory, the encoder's
        assert layer.self_attn.sampling_offsets.weight.grad.abs().sum() > 0


def test_matching_queries_are_learnt_content_with_indicator_zero():
    model = build_model(DN_PP)
    model.train()
    inputs, samples = make_batch([2, 1])
    captured = {}
    forward_decoder = model.forward_decoder

    def capture(**kwargs):
        captured.update(kwargs)
        return forward_decoder(**kwargs)

    model.forward_decoder = capture
    out = decoder_outputs(model, inputs, samples)
    num_dn = out['dn_meta']['num_dn_queries']
    assert model.query_embedding.weight.shape == (30, 127)
    query = captured['query']
    assert query.shape == (2, num_dn + 30, 128)
    assert torch.equal(query[:, num_dn:, :-1], model.query_embedding.weight.expand(2, -1, -1))
    assert not query[:, num_dn:, -1].any()
    real = out['dn_meta']['valid'].repeat(1, 5)  # the real denoising slots
    assert (query[:, :num_dn, -1][real] == 1).all()
    anchors = captured['reference_points']
    torch.testing.assert_close(anchors[:, num_dn:],
                               model.anchor_embedding.weight.sigmoid().expand(2, -1, -1))
    assert ((anchors >= 0) & (anchors <= 1)).all()


@pytest.mark.parametrize('key, value', [('with_box_refine', False), ('as_two_stage', True)])
def test_baseline_needs_box_refinement_without_two_stage(key, value):
    cfg = Config.fromfile(REPO / 'configs/demo/dab_deformable_detr_pp_r18_demo.py')
    cfg.model[key] = value
    with pytest.raises(ValueError, match='with_box_refine=True and as_two_stage=False'):
        MODELS.build(cfg.model)


def test_registered_names():
    assert MODELS.get('DABDeformableDETRPP') is DABDeformableDETRPP
    assert MODELS.get('DNDeformableDETRPP') is DNDeformableDETRPP
