"""Group-DAB-DETR and DN-Group-DAB-DETR: K query groups apart in self-attention, each
assigned on its own, one group at inference."""
import copy

import pytest
import torch
from mmengine.config import Config
from mmengine.structures import InstanceData

from mmdet.registry import MODELS
from mmdet.structures import DetDataSample
from mmdn.models.layers import dn_attention_mask
from ..utils import build_config_model as build
from .test_dn_detector_mixin import REPO, decoder_outputs, make_batch

BASELINE = 'configs/demo/group_dab_detr_r18_demo.py'
DN = 'configs/demo/dn_group_dab_detr_r18_demo.py'


@pytest.mark.parametrize('config', [BASELINE, DN])
def test_groups_do_not_see_each_other(config):
    """Changing group 1's anchors changes group 1's outputs only (and no DN output
    depends on which group changed: they see all groups, as Eq. 7's matching part)."""
    model = build(config)
    model.train()
    inputs, samples = make_batch([2, 3])
    torch.manual_seed(1)
    before = decoder_outputs(model, inputs, samples)
    num_dn = before['dn_meta']['num_dn_queries'] if 'dn_meta' in before else 0
    group_size = model.num_queries
    with torch.no_grad():
        model.query_embedding.weight[group_size:2 * group_size] += 0.5
    torch.manual_seed(1)
    after = decoder_outputs(model, inputs, samples)
    for key in ('hidden_states', 'references'):
        groups_before = before[key][:, :, num_dn:].unflatten(2, (3, group_size))
        groups_after = after[key][:, :, num_dn:].unflatten(2, (3, group_size))
        torch.testing.assert_close(groups_before[:, :, [0, 2]], groups_after[:, :, [0, 2]])
        assert not torch.allclose(groups_before[:, :, 1], groups_after[:, :, 1])
    assert before['hidden_states'].shape[2] == num_dn + 3 * group_size


@pytest.mark.parametrize('config', [BASELINE, DN])
def test_group_by_group_attention_equals_the_dense_mask(config, monkeypatch):
    """Decoder outputs and gradients are those of the dense (W, W) mask of Eq. 7 with
    the groups apart, which the model uses when groups cannot be split apart."""
    model = build(config)
    model.train()
    inputs, samples = make_batch([2, 3])
    grads = []
    for grouped in (True, False):
        if not grouped:
            monkeypatch.setattr(model, 'matching_sees_only_its_group', lambda: False)
            if config == BASELINE:  # the baseline's own mask, given densely
                forward_decoder = model.forward_decoder
                monkeypatch.setattr(model, 'forward_decoder', lambda query, *a, **k: (
                    forward_decoder(query, *a, **k, self_attn_mask=dn_attention_mask(
                        0, 0, query.size(1), dtype=query.dtype, num_matching_groups=3))))
        model.zero_grad()
        torch.manual_seed(1)
        out = decoder_outputs(model, inputs, samples)
        out['hidden_states'].square().mean().backward()
        grads.append((out['hidden_states'].detach(),
                      model.query_embedding.weight.grad.clone()))
    torch.testing.assert_close(grads[0][0], grads[1][0])
    torch.testing.assert_close(grads[0][1], grads[1][1])


def test_each_group_is_assigned_on_its_own(monkeypatch):
    """One object; group 0's query 0 and group 1's query 1 predict it exactly: each
    group gets its own positive, and the loss is the mean of the groups' DAB-DETR losses."""
    cfg = Config.fromfile(REPO / BASELINE).model.bbox_head
    head = MODELS.build(dict(cfg, num_query_groups=2))
    plain = MODELS.build(dict(cfg, type='DABDETRHead'))
    sample = DetDataSample(metainfo=dict(img_shape=(100, 100)))
    sample.gt_instances = InstanceData(bboxes=torch.tensor([[20., 30., 60., 90.]]),
                                       labels=torch.tensor([2]))
    box = torch.tensor([0.4, 0.6, 0.4, 0.6])  # the object, normalised (cx, cy, w, h)
    boxes = torch.tensor([0.9, 0.1, 0.05, 0.05]).repeat(1, 1, 6, 1)  # (layers, bs, 2 x 3, 4)
    boxes[0, 0, 0] = box
    boxes[0, 0, 3 + 1] = box
    scores = torch.full((1, 1, 6, 6), -4.)
    scores[0, 0, [0, 4], 2] = 4.
    assigned = []
    assign = head.assigner.assign
    monkeypatch.setattr(head.assigner, 'assign', lambda *a, **k: assigned.append(
        assign(*a, **k)) or assigned[-1])
    losses = head.loss_by_feat(scores, boxes, [sample.gt_instances], [sample.metainfo])
    assert [r.gt_inds.tolist() for r in assigned] == [[1, 0, 0], [0, 1, 0]]
    per_group = [plain.loss_by_feat(scores[:, :, g * 3:(g + 1) * 3],
                                    boxes[:, :, g * 3:(g + 1) * 3],
                                    [sample.gt_instances], [sample.metainfo])
                 for g in range(2)]
    for key in ('loss_cls', 'loss_bbox', 'loss_iou'):
        torch.testing.assert_close(losses[key], (per_group[0][key] + per_group[1][key]) / 2)
    assert float(losses['loss_bbox']) < 1e-5  # both positives are exact


def test_inference_runs_the_first_group_as_a_one_group_model():
    model = build(BASELINE)
    single = build(BASELINE, num_query_groups=1)
    state = model.state_dict()
    state['query_embedding.weight'] = state['query_embedding.weight'][:model.num_queries]
    single.load_state_dict(state)
    model.eval()
    single.eval()
    inputs, samples = make_batch([2, 1])
    with torch.no_grad():
        grouped = model.predict(inputs, copy.deepcopy(samples))
        alone = single.predict(inputs, copy.deepcopy(samples))
    for a, b in zip(grouped, alone):
        torch.testing.assert_close(a.pred_instances.bboxes, b.pred_instances.bboxes)
        torch.testing.assert_close(a.pred_instances.scores, b.pred_instances.scores)


def test_patterns_are_per_group():
    model = build(BASELINE, num_patterns=2)
    model.train()
    assert model.patterns.weight.shape == (2 * 3, model.embed_dims)
    decoder_inputs, _ = model.pre_decoder(torch.zeros(2, 5, model.embed_dims))
    query = decoder_inputs['query'][0].unflatten(0, (3, 2, model.num_queries))
    assert torch.equal(query[1, 1, 7], model.patterns.weight[1 * 2 + 1])
    pos = decoder_inputs['query_pos'][0].unflatten(0, (3, 2, model.num_queries))
    assert torch.equal(pos[2, 1, 7], model.query_embedding.weight[2 * model.num_queries + 7])


def test_dn_head_matches_every_group_beside_the_dn_part(monkeypatch):
    """The matching part reaches the per-group losses as K groups, the DN part not."""
    model = build(DN)
    model.train()
    inputs, samples = make_batch([2, 0])
    calls = []
    loss_by_feat = model.bbox_head.loss_by_feat
    monkeypatch.setattr(model.bbox_head, 'loss_by_feat',
                        lambda *args: calls.append(args[0].shape) or loss_by_feat(*args))
    losses = model.loss(inputs, samples)
    assert calls == [(3, 2, 3 * model.num_queries, 6)]
    assert 'dn_loss_cls' in losses and 'loss_cls' in losses
    sum(losses.values()).backward()
    assert all(p.grad is not None for p in model.parameters() if p.requires_grad)


@pytest.mark.parametrize('options, message', [
    (dict(num_query_groups=0), 'model.num_query_groups must be an int >= 1'),
    (dict(bbox_head=dict(type='GroupDABDETRHead', num_query_groups=2)),
     'model.bbox_head.num_query_groups=2 disagrees with model.num_query_groups=3'),
])
def test_bad_group_configs_are_refused(options, message):
    with pytest.raises(ValueError, match=message):
        build(BASELINE, **options)


def test_zero_size_boxes_train_without_nan():
    model = build(DN)
    model.train()
    inputs, samples = make_batch([3, 1])
    samples[0].gt_instances.bboxes[0, 2:] = samples[0].gt_instances.bboxes[0, :2]
    losses = model.loss(inputs, samples)
    assert all(torch.isfinite(v) for v in losses.values())
