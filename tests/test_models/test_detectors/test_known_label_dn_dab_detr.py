"""Known-label detection (§5.7.1): one decoder item per (image, known class)."""
import copy
from pathlib import Path

import pytest
import torch
from mmengine.config import Config

from mmdet.registry import MODELS
from ..utils import make_samples, num_matching_queries, record_kwargs

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
def model():
    cfg = Config.fromfile(REPO / 'configs/demo/dn_dab_detr_r18_demo.py')
    cfg.model.update(type='KnownLabelDNDABDETR')
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    return model


def batch(labels, seed=0):
    samples = make_samples([len(x) for x in labels], seed=seed)
    for sample, x in zip(samples, labels):
        sample.gt_instances.labels = torch.tensor(x, dtype=torch.long)
    return torch.rand(len(labels), 3, 64, 80, generator=torch.Generator().manual_seed(seed)), \
        samples


def test_items_are_image_class_pairs(model):
    _, samples = batch([[3, 0, 3], [5], []])
    items, index = model.known_label_items(samples)
    assert index.tolist() == [0, 0, 1]
    assert [s.known_label for s in items] == [0, 3, 5]
    assert [s.gt_instances.labels.tolist() for s in items] == [[0], [3, 3], [5]]
    assert torch.equal(items[1].gt_instances.bboxes, samples[0].gt_instances.bboxes[[0, 2]])


def test_queries_carry_the_known_label_and_their_image(model, monkeypatch):
    model.train()
    inputs, samples = batch([[3, 0, 3], [5]])
    feats = model.extract_feat(inputs)
    enc_in, per_image = model.pre_transformer(feats, samples)
    enc_out = model.forward_encoder(**enc_in)
    dec_in = record_kwargs(monkeypatch, model, 'forward_decoder')
    head_in = model.forward_transformer(feats, samples)
    num_queries = num_matching_queries(model)
    matching = dec_in['query'][:, -num_queries:]
    table = model.dn_query_generator.content_table()
    for item, label in enumerate([0, 3, 5]):
        # DAB-DETR's matching content is zero: the label part is all there is.
        assert torch.equal(matching[item], table[label].expand(num_queries, -1))
        assert table[label, -1] == 1  # indicator 1: a known label
    for item, image in enumerate([0, 0, 1]):
        assert torch.equal(dec_in['memory'][item], enc_out['memory'][image])
        assert torch.equal(dec_in['memory_pos'][item], per_image['memory_pos'][image])
    # Each item denoises its own class's objects.
    assert head_in['dn_meta']['labels'].tolist() == [[0, 6], [3, 3], [5, 6]]  # 6: padding


def test_loss_matches_each_item_to_its_class(model, monkeypatch):
    model.train()
    inputs, samples = batch([[3, 0, 3], [5]])
    seen = record_kwargs(monkeypatch, model.bbox_head, 'loss')
    losses = model.loss(inputs, samples)
    assert seen['hidden_states'].shape[1] == 3
    assert [s.gt_instances.labels.tolist() for s in seen['batch_data_samples']] == \
        [[0], [3, 3], [5]]
    sum(losses.values()).backward()
    assert all(p.grad is not None for p in model.parameters() if p.requires_grad)


def test_a_batch_without_objects_gives_zero_losses_in_the_graph(model, monkeypatch):
    model.train()
    seen = record_kwargs(monkeypatch, model.bbox_head, 'loss')
    losses = model.loss(*batch([[], []]))
    # One placeholder item (image 0, no objects): the matching loss sees only negatives.
    assert seen['hidden_states'].shape[1] == 1
    assert [len(s.gt_instances) for s in seen['batch_data_samples']] == [0]
    assert all(float(v.detach()) == 0 for v in losses.values())
    sum(losses.values()).backward()
    assert all(p.grad is not None for p in model.parameters() if p.requires_grad)


def test_predictions_are_the_known_labels_per_image(model):
    model.eval()
    inputs, samples = batch([[3, 0, 3], [5], []])
    with torch.no_grad():
        results = model.predict(inputs, copy.deepcopy(samples))
    max_per_img = model.test_cfg['max_per_img']
    assert set(results[0].pred_instances.labels.tolist()) <= {0, 3}
    assert len(results[0].pred_instances) == max_per_img
    assert set(results[1].pred_instances.labels.tolist()) == {5}
    assert len(results[2].pred_instances) == 0
    scores = results[0].pred_instances.scores
    assert torch.equal(scores, scores.sort(descending=True).values)
    # An image's detections do not depend on the rest of the batch.
    with torch.no_grad():
        alone = model.predict(inputs[1:2], copy.deepcopy(samples[1:2]))
    torch.testing.assert_close(alone[0].pred_instances.bboxes, results[1].pred_instances.bboxes)
    torch.testing.assert_close(alone[0].pred_instances.scores, results[1].pred_instances.scores)


def test_each_known_label_gives_its_own_detections(model):
    """With room for all of them, an image gets every item's detections of its class."""
    model.eval()
    inputs, samples = batch([[3, 0, 3]])
    num_queries = num_matching_queries(model)
    model.test_cfg['max_per_img'] = 2 * num_queries  # also the head's: more than L
    with torch.no_grad():
        labels = model.predict(inputs, samples)[0].pred_instances.labels
    assert labels.bincount(minlength=6).tolist() == [num_queries, 0, 0, num_queries, 0, 0]
