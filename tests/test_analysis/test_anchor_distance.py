import pytest
import torch
from mmengine.config import Config

from mmdet.registry import MODELS
from mmdet.structures.bbox import bbox_xyxy_to_cxcywh
from mmdn.analysis import matched_anchors, mean_distances
from ..test_models.test_detectors.test_dn_detector_mixin import REPO, make_batch


def _model_predicting_its_anchors():
    """The demo DN-DAB-DETR whose box branch outputs 0: every layer predicts exactly
    its initial anchors."""
    cfg = Config.fromfile(REPO / 'configs/demo/dn_dab_detr_r18_demo.py')
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    last = model.bbox_head.fc_reg.layers[-1]
    torch.nn.init.zeros_(last.weight)
    torch.nn.init.zeros_(last.bias)
    return model


def test_known_anchors_at_a_known_distance_from_their_objects():
    model = _model_predicting_its_anchors()
    inputs, samples = make_batch([3, 2])
    for s in samples:
        s.set_metainfo(dict(ori_shape=s.img_shape))
    # Anchors: each object shifted right by 0.05 (the first images' objects), the
    # other queries far away in a corner.
    targets = [bbox_xyxy_to_cxcywh(s.gt_instances.bboxes / torch.tensor([80., 64., 80., 64.]))
               for s in samples]
    anchors = torch.full((30, 4), 0.02)
    anchors[:3] = targets[0] + torch.tensor([0.05, 0., 0., 0.])
    model.query_embedding.weight.data = torch.logit(anchors)
    data = dict(inputs=[(i * 255).to(torch.uint8) for i in inputs], data_samples=samples)
    results = matched_anchors(model, data)
    first_anchors, first_targets = results[0]
    assert len(first_anchors) == 3
    order = torch.argsort(first_targets[:, 0])
    torch.testing.assert_close(first_targets[order],
                               targets[0][torch.argsort(targets[0][:, 0])])
    l1 = (first_anchors - first_targets).abs().sum(1)
    torch.testing.assert_close(l1, torch.full((3, ), 0.05), rtol=1e-4, atol=1e-4)
    assert len(results[1][0]) == 2  # every object of the second image matched once


def test_anchor_points_are_returned_as_points():
    """Anchor DETR: the initial anchors are its learnt points, pattern-major."""
    cfg = Config.fromfile(REPO / 'configs/demo/anchor_detr_r18_demo.py')
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    inputs, samples = make_batch([3, 2])
    for s in samples:
        s.set_metainfo(dict(ori_shape=s.img_shape))
    data = dict(inputs=[(i * 255).to(torch.uint8) for i in inputs], data_samples=samples)
    results = matched_anchors(model, data)
    points = model.anchor_points.weight.repeat(model.num_patterns, 1)
    for (anchors, targets), count in zip(results, (3, 2)):
        assert anchors.shape == (count, 2) and targets.shape == (count, 4)
        assert all((points == a).all(1).any() for a in anchors)


def test_mean_distances_by_hand():
    """Box anchors: the mean over all queries of all images (not of the image means)."""
    targets = torch.tensor([[0.5, 0.5, 0.2, 0.2]])
    first = (torch.tensor([[0.6, 0.5, 0.2, 0.1]]), targets)  # centre 0.1, box 0.2
    second = (torch.tensor([[0.5, 0.2, 0.2, 0.2], [0.5, 0.5, 0.2, 0.2]]),
              targets.repeat(2, 1))  # centres 0.3 and 0, boxes the same
    distances = mean_distances([first, second])
    assert distances['matched'] == 3
    assert distances['centre'] == pytest.approx(0.4 / 3)
    assert distances['box'] == pytest.approx(0.5 / 3)
    points = mean_distances([(torch.tensor([[0.2, 0.3]]), targets)])  # Anchor DETR
    assert points == dict(matched=1, centre=pytest.approx(0.5))


def test_mean_distances_need_a_matched_query():
    with pytest.raises(ValueError, match='no query was matched'):
        mean_distances([(torch.zeros(0, 4), torch.zeros(0, 4))])
