"""The contract of every DN detector (:class:`DNDetectorMixin`), on each demo model."""
import copy
from pathlib import Path

import pytest
import torch
from mmengine.config import Config

from mmdet.registry import MODELS
from ...dn_models import dn_demo_pairs, dn_detector_configs
from ..utils import make_samples, num_matching_queries

REPO = Path(__file__).resolve().parents[3]
DN_DEMO_CONFIGS = dn_detector_configs()


def build_model(config: str, **dn_cfg):
    cfg = Config.fromfile(REPO / config)
    cfg.model.dn_cfg.update(dn_cfg)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    return model


def make_batch(counts, seed=0):
    samples = make_samples(counts, seed=seed)
    inputs = torch.rand(len(counts), 3, 64, 80, generator=torch.Generator().manual_seed(seed))
    return inputs, samples


def decoder_outputs(model, inputs, samples):
    """The head inputs, with ``references`` as (num_refs, bs, W, 4 or 2): a list
    stacked, Conditional DETR's one (bs, W, 2) unsqueezed."""
    out = model.forward_transformer(model.extract_feat(inputs), samples)
    if isinstance(out.get('references'), list):
        out['references'] = torch.stack(out['references'])
    elif out.get('references') is not None and out['references'].dim() == 3:
        out['references'] = out['references'][None]
    return out


def per_query_outputs(out):
    """The keys of ``out`` with a (layers, bs, W, ...) tensor (DETR has no references)."""
    return [key for key in ('hidden_states', 'references') if key in out]


@pytest.fixture(params=DN_DEMO_CONFIGS)
def config(request):
    return request.param


def test_losses_and_backward_for_mixed_batches(config):
    model = build_model(config)
    model.train()
    for counts in ([3, 0, 1], [1], [0, 0], [5, 5]):
        inputs, samples = make_batch(counts)
        losses = model.loss(inputs, samples)
        assert {'dn_loss_cls', 'd0.dn_loss_bbox', 'd1.dn_loss_iou', 'loss_cls'} <= set(losses)
        total = sum(v for v in losses.values())
        assert torch.isfinite(total)
        model.zero_grad()
        total.backward()
        # Every parameter stays in the graph (DDP without find_unused_parameters).
        assert all(p.grad is not None for p in model.parameters() if p.requires_grad)
        if max(counts) == 0:
            assert all(losses[k] == 0 for k in losses if 'dn_' in k)
        else:
            assert losses['dn_loss_bbox'] > 0


def test_degenerate_and_outside_boxes_train_without_nan(config):
    model = build_model(config)
    model.train()
    inputs, samples = make_batch([3, 2])
    samples[0].gt_instances.bboxes[0] = torch.tensor([10., 10., 10., 30.])  # zero width
    samples[0].gt_instances.bboxes[1] = torch.tensor([5., 20., 40., 20.])  # zero height
    samples[1].gt_instances.bboxes[0] = torch.tensor([-20., -10., 30., 90.])  # partly out
    losses = model.loss(inputs, samples)
    total = sum(losses.values())
    total.backward()
    assert torch.isfinite(total)
    assert all(torch.isfinite(p.grad).all() for p in model.parameters() if p.grad is not None)


@pytest.mark.parametrize('dense_config', DN_DEMO_CONFIGS[::3])
def test_an_image_with_a_thousand_objects_trains_without_nan(dense_config):
    """A dense image beside an empty one, with the dense-scene cap on the DN queries
    (1,000: one group of the 1,000 objects)."""
    model = build_model(dense_config, max_dn_queries=1000)
    model.train()
    inputs, samples = make_batch([1000, 0])
    losses = model.loss(inputs, samples)
    total = sum(losses.values())
    total.backward()
    assert torch.isfinite(total) and losses['dn_loss_bbox'] > 0
    assert all(torch.isfinite(p.grad).all() for p in model.parameters() if p.grad is not None)


def test_mask_isolates_the_matching_part(config):
    """Perturbing the DN queries leaves every matching-query output unchanged."""
    model = build_model(config)
    model.train()
    inputs, samples = make_batch([3, 1])
    torch.manual_seed(1)
    out_a = decoder_outputs(model, inputs, samples)
    num_dn = out_a['dn_meta']['num_dn_queries']
    # Other noise draws and other labels: different DN queries, same matching queries.
    samples_b = copy.deepcopy(samples)
    samples_b[0].gt_instances.labels = (samples_b[0].gt_instances.labels + 1) % 6
    torch.manual_seed(2)
    out_b = decoder_outputs(model, inputs, samples_b)
    assert not torch.allclose(out_a['hidden_states'][:, :, :num_dn],
                              out_b['hidden_states'][:, :, :num_dn])
    for key in per_query_outputs(out_a):
        torch.testing.assert_close(out_a[key][:, :, num_dn:], out_b[key][:, :, num_dn:],
                                   rtol=1e-5, atol=1e-5)


def test_without_mask_the_matching_part_sees_dn_queries(config):
    model = build_model(config, with_attn_mask=False)
    model.train()
    inputs, samples = make_batch([3, 1])
    torch.manual_seed(1)
    out_a = decoder_outputs(model, inputs, samples)
    torch.manual_seed(2)
    out_b = decoder_outputs(model, inputs, samples)
    num_dn = out_a['dn_meta']['num_dn_queries']
    assert not torch.allclose(out_a['hidden_states'][:, :, num_dn:],
                              out_b['hidden_states'][:, :, num_dn:])


def test_matching_outputs_with_dn_equal_outputs_without_dn(config):
    model = build_model(config)
    model.train()
    inputs, samples = make_batch([2, 4])
    with_dn = decoder_outputs(model, inputs, samples)
    num_dn = with_dn['dn_meta']['num_dn_queries']
    assert num_dn == model.dn_query_generator.num_groups * 4
    without = decoder_outputs(model, inputs, make_samples([0, 0]))  # no DN part
    assert without['dn_meta']['num_dn_queries'] == 0
    for key in per_query_outputs(with_dn):
        assert without[key].shape[2] == num_matching_queries(model)
        torch.testing.assert_close(with_dn[key][:, :, num_dn:], without[key],
                                   rtol=1e-5, atol=1e-5)


def test_eval_never_calls_the_generator_and_ignores_gt(config):
    model = build_model(config)
    model.eval()
    inputs, samples = make_batch([2, 3])
    with torch.no_grad():
        ref = model.predict(inputs, copy.deepcopy(samples))

    def refuse(*args, **kwargs):
        raise AssertionError('the DN part ran at inference')

    model.dn_query_generator.forward = refuse
    no_gt = make_samples([0, 0])
    with torch.no_grad():
        out = model.predict(inputs, no_gt)
    for a, b in zip(ref, out):
        assert torch.equal(a.pred_instances.bboxes, b.pred_instances.bboxes)
        assert torch.equal(a.pred_instances.scores, b.pred_instances.scores)
        assert len(a.pred_instances) == model.test_cfg['max_per_img']


def test_a_dn_detector_refuses_a_head_without_the_dn_contract(config):
    cfg = Config.fromfile(REPO / config)
    baseline = dict((dn, base) for base, dn in dn_demo_pairs())[config]
    baseline_head = Config.fromfile(REPO / baseline).model.bbox_head.type
    cfg.model.bbox_head.type = baseline_head
    with pytest.raises(TypeError, match=f'{cfg.model.type} needs a DN head .* got '
                                        f'{baseline_head}'):
        MODELS.build(cfg.model)


def test_decoder_inputs_of_pre_transformer_and_pre_decoder_may_not_overlap(config,
                                                                           monkeypatch):
    """Neither part of the decoder inputs silently overrides the other."""
    model = build_model(config)
    model.train()
    inputs, samples = make_batch([2, 1])
    pre_decoder = model.pre_decoder

    def with_a_shared_key(*args, **kwargs):
        decoder_inputs, head_inputs = pre_decoder(*args, **kwargs)
        return dict(decoder_inputs, spatial_shapes=None, memory_mask=None,
                    key_padding_mask=None), head_inputs

    monkeypatch.setattr(model, 'pre_decoder', with_a_shared_key)
    with pytest.raises(TypeError, match='multiple values for keyword argument'):
        model.forward_transformer(model.extract_feat(inputs), samples)
