from pathlib import Path

import pytest
import torch
from mmengine.config import Config

from mmdet.registry import MODELS
from mmdet.structures.bbox import bbox_overlaps
from mmdn.models.layers import DnBoxNoiser
from ..utils import make_samples

REPO = Path(__file__).resolve().parents[3]


def _model(**dn_cfg):
    cfg = Config.fromfile(REPO / 'configs/dn_faster_rcnn_r50_fpn_12e.py')
    cfg.model.roi_head.dn_cfg.update(dn_cfg)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    return model


def _batch(counts, seed=0):
    samples = make_samples(counts, seed=seed)
    inputs = torch.rand(len(counts), 3, 64, 80, generator=torch.Generator().manual_seed(seed))
    return inputs, samples


def _real(targets):
    """The RoIs, labels and boxes of the slots with weight 1."""
    keep = targets['weights'] > 0
    return targets['rois'][keep], targets['labels'][keep], targets['gt_boxes'][keep]


def test_dn_rois_are_assigned_to_exactly_their_source_object():
    head = _model(with_box_noise=False).roi_head
    samples = make_samples([3, 1])
    targets = head.dn_targets(samples)
    # Every slot of the (bs, P, M) = (2, 10, 3) grid; image 1's padding weighs 0.
    assert targets['rois'].shape == (2 * 10 * 3, 5)
    assert targets['weights'].view(2, 10, 3).tolist() == [[[1.] * 3] * 10, [[1., 0., 0.]] * 10]
    rois, labels, gt_boxes = _real(targets)
    expected_boxes = torch.cat([s.gt_instances.bboxes for s in samples])
    expected_labels = torch.cat([s.gt_instances.labels for s in samples])
    # Image-major, then group, then object.
    order = torch.tensor([0, 1, 2] * 10 + [3] * 10)
    assert rois[:, 0].tolist() == [0.] * 30 + [1.] * 10
    torch.testing.assert_close(rois[:, 1:], expected_boxes[order])
    torch.testing.assert_close(gt_boxes, expected_boxes[order])
    assert torch.equal(labels, expected_labels[order])


def test_noised_rois_stay_around_their_object():
    head = _model().roi_head
    samples = make_samples([4, 2])
    torch.manual_seed(0)
    rois, labels, gt_boxes = _real(head.dn_targets(samples))
    roi_centres = (rois[:, 1:3] + rois[:, 3:]) / 2
    gt_centres = (gt_boxes[:, :2] + gt_boxes[:, 2:]) / 2
    gt_sizes = gt_boxes[:, 2:] - gt_boxes[:, :2]
    assert ((roi_centres - gt_centres).abs() <= 0.4 * gt_sizes / 2 + 1e-4).all()
    assert not torch.allclose(rois[:, 1:], gt_boxes)
    ious = bbox_overlaps(rois[:, 1:], gt_boxes, is_aligned=True)
    assert (ious > 0.2).all()


def test_losses_train_the_box_head():
    model = _model()
    model.train()
    inputs, samples = _batch([3, 2])
    losses = model.loss(inputs, samples)
    assert {'dn_loss_cls', 'dn_loss_bbox', 'dn_acc', 'loss_cls', 'loss_bbox'} <= set(losses)
    total, _ = model.parse_losses(losses)
    assert torch.isfinite(total)
    model.zero_grad()
    (losses['dn_loss_cls'] + losses['dn_loss_bbox']).backward()
    assert model.roi_head.bbox_head.fc_reg.weight.grad.abs().sum() > 0
    assert model.roi_head.bbox_head.fc_cls.weight.grad.abs().sum() > 0


def test_dn_losses_equal_the_box_heads_own_loss_on_the_real_rois():
    """mmdet's BBoxHead.loss on the real denoising RoIs alone (all positive, weight 1)
    gives the same values as the weighted grid with its padding."""
    head = _model().roi_head
    torch.manual_seed(0)
    targets = head.dn_targets(make_samples([3, 1]))
    K = len(targets['labels'])
    cls_score, bbox_pred = torch.randn(K, 81), torch.randn(K, 4 * 80)
    losses = head.loss_dn(cls_score, bbox_pred, targets)
    keep = targets['weights'] > 0
    rois, labels, gt_boxes = _real(targets)
    expected = head.bbox_head.loss(
        cls_score[keep], bbox_pred[keep], rois, labels, torch.ones(len(labels)),
        head.bbox_head.bbox_coder.encode(rois[:, 1:], gt_boxes), torch.ones(len(labels), 4))
    for key in ('loss_cls', 'loss_bbox', 'acc'):
        torch.testing.assert_close(losses[f'dn_{key}'], expected[key].reshape(()), rtol=1e-5,
                                   atol=1e-6)


def test_zero_size_objects_are_left_out_of_the_dn_part():
    """Their box deltas are undefined (mmdet's own matching part, with ground truth as
    proposals, gives NaN for them; CocoDataset drops them when loading)."""
    model = _model()
    model.train()
    inputs, samples = _batch([3, 2])
    samples[0].gt_instances.bboxes[0, 2] = samples[0].gt_instances.bboxes[0, 0]
    targets = model.roi_head.dn_targets(samples)
    rois, _, gt_boxes = _real(targets)
    assert len(rois) == 10 * 4 and ((gt_boxes[:, 2:] - gt_boxes[:, :2]) > 0).all()
    losses = model.loss(inputs, samples)
    assert all(torch.isfinite(v).all() for k, v in losses.items() if k.startswith('dn_'))


def test_without_objects_the_dn_losses_are_zeros_in_the_graph():
    model = _model()
    model.train()
    inputs, samples = _batch([0, 0])
    losses = model.loss(inputs, samples)
    assert all(float(losses[k].detach()) == 0 for k in ('dn_loss_cls', 'dn_loss_bbox', 'dn_acc'))
    assert losses['dn_loss_cls'].requires_grad


def test_box_only_generator_has_no_parameters_and_no_label_options():
    head = _model().roi_head
    assert type(head.dn_query_generator) is DnBoxNoiser
    assert not list(head.dn_query_generator.parameters())
    for key in ('with_label_noise', 'with_attn_mask', 'label_noise_ratio'):
        with pytest.raises(ValueError, match=f'dn_cfg.{key} is not an option of DnBoxNoiser'):
            _model(**{key: False})


def test_embed_dims_is_refused():
    with pytest.raises(ValueError, match='dn_cfg.embed_dims'):
        _model(embed_dims=256)
