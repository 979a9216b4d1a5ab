import torch
from mmengine.config import Config

from mmdet.registry import MODELS
from mmdn.models.detectors import DABDeformableDETR, DNDeformableDETR
from .test_dn_detector_mixin import REPO, build_model, decoder_outputs, make_batch

DN_ENCODER_ONLY = 'configs/demo/dn_deformable_detr_r18_demo.py'


def test_dn_gradient_reaches_the_encoder_sampling_offsets():
    model = build_model(DN_ENCODER_ONLY)
    model.train()
    inputs, samples = make_batch([3, 2])
    losses = model.loss(inputs, samples)
    sum(v for k, v in losses.items() if 'dn_loss' in k).backward()
    for layer in model.encoder.layers:
        assert layer.self_attn.sampling_offsets.weight.grad.abs().sum() > 0
    for layer in model.decoder.layers:  # the level attention learns from DN too
        assert layer.level_attn.weight.grad.abs().sum() > 0


def test_images_of_different_sizes_mask_the_padding():
    """Padding in the batch: per-level masks reach the encoder and every level's
    cross-attention, and predictions ignore the padded area."""
    model = build_model(DN_ENCODER_ONLY)
    model.eval()
    inputs, samples = make_batch([2, 1])
    samples[1].set_metainfo(dict(img_shape=(48, 64)))
    inputs[1, :, 48:] = 0
    inputs[1, :, :, 64:] = 0
    with torch.no_grad():
        ref = model.predict(inputs, samples)
        inputs[1, :, 48:] = 5.  # change only the padding
        out = model.predict(inputs, samples)
    torch.testing.assert_close(ref[1].pred_instances.bboxes, out[1].pred_instances.bboxes)


def test_patterns_and_level_sizes():
    cfg = Config.fromfile(REPO / DN_ENCODER_ONLY)
    cfg.model.num_patterns = 3
    model = MODELS.build(cfg.model)
    model.train()
    inputs, samples = make_batch([2, 1])
    out = decoder_outputs(model, inputs, samples)
    assert out['hidden_states'].shape[2] == out['dn_meta']['num_dn_queries'] + 90
    feats = model.extract_feat(inputs)
    _, decoder_inputs = model.pre_transformer(feats, samples)
    assert decoder_inputs['level_sizes'] == [f.shape[-2] * f.shape[-1] for f in feats]
    assert len(feats) == 3


def test_registered_names():
    assert MODELS.get('DABDeformableDETR') is DABDeformableDETR
    assert MODELS.get('DNDeformableDETR') is DNDeformableDETR
