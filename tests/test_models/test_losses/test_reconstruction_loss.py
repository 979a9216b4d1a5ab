import pytest
import torch

from mmdet.models.losses import CrossEntropyLoss, DIoULoss, FocalLoss, GIoULoss, L1Loss
from mmdn.models.losses import reconstruction_losses


class ModuleFocalLoss(FocalLoss):
    """mmdet's focal loss under another type: forces the module path."""


class ModuleL1Loss(L1Loss):
    pass


class ModuleGIoULoss(GIoULoss):
    pass


def random_case(num_layers=3, bs=2, P=4, M=5, C=7, seed=0):
    gen = torch.Generator().manual_seed(seed)
    cls_scores = torch.randn(num_layers, bs, P, M, C, generator=gen) * 3
    # Predictions and targets: random (cx, cy, w, h) in (0, 1), some degenerate.
    bbox_preds = torch.rand(num_layers, bs, P, M, 4, generator=gen)
    boxes = torch.rand(bs, M, 4, generator=gen)
    boxes[0, 0, 2:] = 0  # a zero-size target
    labels = torch.randint(C, (bs, M), generator=gen)
    weights = (torch.rand(bs, M, generator=gen) > 0.3).float()
    return cls_scores.requires_grad_(), bbox_preds.requires_grad_(), labels, boxes, weights


@pytest.mark.parametrize('weights', [(1., 5., 2.), (2., 1., 0.5)])
def test_fused_path_equals_mmdet_modules_in_value_and_gradient(weights):
    w_cls, w_bbox, w_iou = weights
    fused_losses = (FocalLoss(gamma=2.0, alpha=0.25, loss_weight=w_cls),
                    L1Loss(loss_weight=w_bbox), GIoULoss(loss_weight=w_iou))
    module_losses = (ModuleFocalLoss(gamma=2.0, alpha=0.25, loss_weight=w_cls),
                     ModuleL1Loss(loss_weight=w_bbox), ModuleGIoULoss(loss_weight=w_iou))
    results = []
    for losses in (fused_losses, module_losses):
        cls_scores, bbox_preds, labels, boxes, weights_ = random_case()
        out = reconstruction_losses(*losses, cls_scores, bbox_preds, labels, boxes, weights_)
        (out * torch.arange(1., 10.).view(3, 3)).sum().backward()
        results.append((out.detach(), cls_scores.grad, bbox_preds.grad))
    assert results[0][0].shape == (3, 3)
    for fused, module in zip(*results):
        torch.testing.assert_close(fused, module, rtol=1e-5, atol=1e-6)


def test_padded_slots_contribute_nothing():
    losses = (FocalLoss(), L1Loss(loss_weight=5.), GIoULoss(loss_weight=2.))
    cls_scores, bbox_preds, labels, boxes, weights = random_case()
    out = reconstruction_losses(*losses, cls_scores, bbox_preds, labels, boxes, weights)
    # Other predictions and targets at zero-weight slots change nothing.
    pad = weights == 0
    slots = pad[None, :, None].expand(3, -1, 4, -1)  # (num_layers, bs, P, M)
    with torch.no_grad():
        cls_scores[slots] = 50.
        bbox_preds[slots] = 0.99
    labels = labels.masked_fill(pad, 6)
    boxes = boxes.masked_fill(pad[..., None], 0.5)
    again = reconstruction_losses(*losses, cls_scores, bbox_preds, labels, boxes, weights)
    torch.testing.assert_close(out, again)


def test_other_losses_go_through_their_modules():
    """A softmax cross entropy (C + 1 logits, as vanilla DETR) against a hand sum."""
    cls_scores, bbox_preds, labels, boxes, weights = random_case(C=8)
    loss_cls = CrossEntropyLoss(use_sigmoid=False, loss_weight=2.)
    out = reconstruction_losses(loss_cls, L1Loss(), GIoULoss(), cls_scores, bbox_preds,
                                labels, boxes, weights)
    nll = -cls_scores.log_softmax(-1).gather(
        -1, labels[None, :, None, :, None].expand(3, -1, 4, -1, 1))[..., 0]
    expected = 2 * (nll * weights[None, :, None]).sum(dim=(1, 2, 3))
    torch.testing.assert_close(out[:, 0], expected)
    l1 = ((bbox_preds - boxes[:, None]).abs().sum(-1) * weights[:, None]).sum(dim=(1, 2, 3))
    torch.testing.assert_close(out[:, 1], l1)


def _diou_loss(pred, target, eps=1e-6):
    """1 - DIoU of (..., 4) (cx, cy, w, h) boxes, written out."""
    p1, p2 = pred[..., :2] - pred[..., 2:] / 2, pred[..., :2] + pred[..., 2:] / 2
    t1, t2 = target[..., :2] - target[..., 2:] / 2, target[..., :2] + target[..., 2:] / 2
    inter = (torch.min(p2, t2) - torch.max(p1, t1)).clamp(min=0).prod(-1)
    union = pred[..., 2:].prod(-1) + target[..., 2:].prod(-1) - inter + eps
    diagonal = ((torch.max(p2, t2) - torch.min(p1, t1)) ** 2).sum(-1) + eps
    centres = ((pred[..., :2] - target[..., :2]) ** 2).sum(-1)
    return 1 - inter / union + centres / diagonal


def test_a_scale_dependent_iou_loss_sees_boxes_in_pixels():
    """DIoU changes when the axes are scaled differently: it is taken on each image's
    pixel boxes, as the matching part's."""
    cls_scores, bbox_preds, labels, boxes, weights = random_case()
    sizes = torch.tensor([[200., 50., 200., 50.], [64., 128., 64., 128.]])
    losses = (FocalLoss(), L1Loss(), DIoULoss(loss_weight=2.))
    out = reconstruction_losses(*losses, cls_scores, bbox_preds, labels, boxes, weights, sizes)
    scale = sizes.view(1, 2, 1, 1, 4)
    per_slot = _diou_loss(bbox_preds * scale, boxes[:, None] * scale)  # (layers, bs, P, M)
    expected = 2 * (per_slot * weights[:, None]).sum(dim=(1, 2, 3))
    torch.testing.assert_close(out[:, 2], expected.detach(), rtol=1e-5, atol=1e-5)
    normalised = reconstruction_losses(*losses, cls_scores, bbox_preds, labels, boxes,
                                       weights)
    assert not torch.allclose(normalised[:, 2], out[:, 2], rtol=1e-2)
    torch.testing.assert_close(normalised[:, :2], out[:, :2])  # focal and L1 unchanged
