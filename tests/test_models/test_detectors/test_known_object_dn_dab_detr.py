"""Known-object detection (§5.7.1): known objects to the DN part, unknown to matching."""
import copy
from pathlib import Path

import pytest
import torch
from mmengine.config import Config

from mmdet.registry import MODELS
from ..utils import make_samples, record_kwargs

REPO = Path(__file__).resolve().parents[3]
KNOWN = [0, 2, 4]


def build(**kwargs):
    cfg = Config.fromfile(REPO / 'configs/demo/dn_dab_detr_r18_demo.py')
    cfg.model.update(type='KnownObjectDNDABDETR', known_classes=KNOWN, **kwargs)
    cfg.model.dn_cfg.update(matching_sees_dn=True)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    return model


def batch(seed=0):
    samples = make_samples([6, 5], seed=seed)
    samples[0].gt_instances.labels = torch.tensor([0, 1, 2, 3, 4, 5])
    samples[1].gt_instances.labels = torch.tensor([1, 1, 4, 5, 3])
    return torch.rand(2, 3, 64, 80, generator=torch.Generator().manual_seed(seed)), samples


def test_training_routes_known_to_dn_and_unknown_to_matching(monkeypatch):
    model = build()
    model.train()
    inputs, samples = batch()
    seen = record_kwargs(monkeypatch, model.bbox_head, 'loss')
    losses = model.loss(inputs, samples)
    matched = [s.gt_instances.labels.tolist() for s in seen['batch_data_samples']]
    assert matched == [[1, 3, 5], [1, 1, 5, 3]]
    meta = seen['dn_meta']
    assert meta['group_size'] == 3  # image 0 has 3 known objects, image 1 has 1
    assert meta['labels'][0].tolist() == [0, 2, 4]
    assert meta['labels'][1][meta['valid'][1]].tolist() == [4]
    # Image 1's known object is its third (label 4), normalised (cx, cy, w, h).
    x1, y1, x2, y2 = samples[1].gt_instances.bboxes[2].tolist()
    expect = torch.tensor([(x1 + x2) / 160, (y1 + y2) / 128, (x2 - x1) / 80, (y2 - y1) / 64])
    torch.testing.assert_close(meta['boxes'][1, 0], expect)
    total = sum(losses.values())
    total.backward()
    assert all(p.grad is not None for p in model.parameters() if p.requires_grad)


def test_matching_queries_see_the_known_objects():
    model = build()
    model.train()
    inputs, samples = batch()
    torch.manual_seed(1)
    out_a = model.forward_transformer(model.extract_feat(inputs),
                                      model.split_known(samples)[0])
    moved = copy.deepcopy(samples)
    moved[0].gt_instances.bboxes[0] += 5.  # a known object moves
    torch.manual_seed(1)
    out_b = model.forward_transformer(model.extract_feat(inputs),
                                      model.split_known(moved)[0])
    num_dn = out_a['dn_meta']['num_dn_queries']
    assert not torch.allclose(out_a['hidden_states'][:, 0, num_dn:],
                              out_b['hidden_states'][:, 0, num_dn:])


def test_inference_with_and_without_known_objects(monkeypatch):
    model = build()
    model.eval()
    inputs, samples = batch()
    calls = []
    forward = model.dn_query_generator.forward

    def spy(*args, **kwargs):
        calls.append(kwargs['clean'])
        return forward(*args, **kwargs)

    monkeypatch.setattr(model.dn_query_generator, 'forward', spy)
    with torch.no_grad():
        plain = model.predict(inputs, copy.deepcopy(samples))
    assert calls == []
    model.test_cfg['with_known_objects'] = True
    with torch.no_grad():
        cond = model.predict(inputs, copy.deepcopy(samples))
        again = model.predict(inputs, copy.deepcopy(samples))
    assert calls == [True, True]  # noise-free: the same known objects give the same output
    for p, c, a in zip(plain, cond, again):
        for result in (p, c):
            labels = result.pred_instances.labels
            assert len(labels) > 0 and not model.known_class_mask[labels].any()
        assert torch.equal(c.pred_instances.bboxes, a.pred_instances.bboxes)
    assert not torch.equal(plain[0].pred_instances.scores, cond[0].pred_instances.scores)


@pytest.mark.parametrize('known', [[], [0, 1, 2, 3, 4, 5], [0, 6], [1, 1]])
def test_bad_known_classes_are_refused(known):
    cfg = Config.fromfile(REPO / 'configs/demo/dn_dab_detr_r18_demo.py')
    cfg.model.update(type='KnownObjectDNDABDETR', known_classes=known)
    with pytest.raises(ValueError, match='model.known_classes'):
        MODELS.build(cfg.model)


def test_given_objects_need_annotations():
    model = build(test_cfg=dict(max_per_img=30, with_known_objects=True))
    model.eval()
    inputs, samples = batch()
    del samples[1].gt_instances
    with pytest.raises(ValueError, match='img_1.png has no gt_instances'):
        model.predict(inputs, samples)
