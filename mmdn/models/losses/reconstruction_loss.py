"""The reconstruction losses of the denoising part (paper §4.3), all decoder layers at once.

A denoising query has a fixed target, the object it was noised from, so its loss needs
no matching: it is the head's own classification, L1 and IoU losses evaluated on the
(num_layers, bs, P, M) grid of denoising slots against the (bs, M) targets of each
image. :func:`reconstruction_losses` does that in one pass for every layer.

When the head's losses are exactly mmdet's ``FocalLoss`` (sigmoid, on logits),
``L1Loss`` and ``GIoULoss``, as in every DN-DETR model, they are computed in closed
form on the broadcast grid: the targets are never expanded to the P groups and L layers,
and a train step runs a few dozen operators for them instead of several hundred (fewer
kernel launches on a GPU). Their values are mmdet's (tested against the modules). Any
other loss goes through its module on the expanded targets; its IoU loss on boxes in
pixels, as mmdet's DETR heads compute the matching part's (DIoU and CIoU, unlike GIoU,
change when the two axes are scaled differently).
"""
from typing import Optional, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from mmdet.models.losses import FocalLoss, GIoULoss, L1Loss
from mmdet.structures.bbox import bbox_cxcywh_to_xyxy
from ..utils import host_tensor


def reconstruction_losses(loss_cls: nn.Module, loss_bbox: nn.Module, loss_iou: nn.Module,
                          cls_scores: Tensor, bbox_preds: Tensor, labels: Tensor,
                          boxes: Tensor, weights: Tensor,
                          image_sizes: Optional[Tensor] = None) -> Tensor:
    """Weighted sums of the classification, L1 and IoU losses of every decoder layer.

    Args:
        loss_cls, loss_bbox, loss_iou (nn.Module): the head's loss modules (their
            ``loss_weight`` included).
        cls_scores (Tensor): (num_layers, bs, P, M, C) logits.
        bbox_preds (Tensor): (num_layers, bs, P, M, 4) normalised (cx, cy, w, h).
        labels (Tensor): (bs, M) target classes (any value where ``weights`` is 0).
        boxes (Tensor): (bs, M, 4) normalised (cx, cy, w, h) targets.
        weights (Tensor): (bs, M) per-slot weights, 0 at padding.
        image_sizes (Tensor, optional): (bs, 4) each image's (w, h, w, h) in pixels, by
            which the boxes are scaled for an IoU loss other than GIoU; without it
            that loss sees the normalised boxes.

    Returns:
        Tensor: (num_layers, 3), each layer's classification, L1 and IoU loss summed
        over its slots (not yet divided by the number of targets).
    """
    fused = (type(loss_cls) is FocalLoss and loss_cls.use_sigmoid
             and not loss_cls.activated and type(loss_bbox) is L1Loss
             and type(loss_iou) is GIoULoss)
    # (bs, M) -> (bs, 1, M): the targets broadcast over the P groups (and the layers).
    bs, num_targets = labels.shape
    labels = labels.view(bs, 1, num_targets)
    boxes = boxes.view(bs, 1, num_targets, 4)
    weights = weights.view(bs, 1, num_targets)
    if not fused:
        scale = None if image_sizes is None else image_sizes.view(bs, 1, 1, 4)
        return _module_sums(loss_cls, loss_bbox, loss_iou, cls_scores, bbox_preds, labels,
                            boxes, weights, scale)
    sums = torch.stack([_focal_sums(loss_cls, cls_scores, labels, weights),
                        *_box_sums(bbox_preds, boxes, weights, loss_iou.eps)], dim=1)
    return sums * host_tensor(
        [loss_cls.loss_weight, loss_bbox.loss_weight, loss_iou.loss_weight], sums.dtype,
        sums.device)


def _focal_sums(loss: FocalLoss, logits: Tensor, labels: Tensor, weights: Tensor) -> Tensor:
    """Sigmoid focal loss per layer (without ``loss_weight``), as mmdet's
    ``py_sigmoid_focal_loss``.

    With t the one-hot target and z = x (1 - 2t), the binary cross entropy of a logit x
    is softplus(z) and 1 - p_t is sigmoid(z), so its loss is
    (α t + (1 - α)(1 - t)) sigmoid(z)^γ softplus(z).
    """
    classes = torch.arange(logits.size(-1), device=logits.device)
    onehot = labels[..., None] == classes  # (bs, 1, M, C)
    scale = torch.where(onehot, loss.alpha, 1 - loss.alpha) * weights[..., None]
    z = torch.where(onehot, -logits, logits)
    return (scale * z.sigmoid().pow(loss.gamma) * F.softplus(z)).sum(dim=(1, 2, 3, 4))


def _box_sums(preds: Tensor, targets: Tensor, weights: Tensor,
              eps: float) -> Tuple[Tensor, Tensor]:
    """L1 loss and 1 - GIoU per layer (without ``loss_weight``), both from
    d = |pred - target| in (cx, cy, w, h).

    Along each axis the intersection of two boxes spans
    (w_p + w_t) / 2 - max(|d_c|, |d_w| / 2) (at least 0) and their enclosing box
    (w_p + w_t) / 2 + max(|d_c|, |d_w| / 2), as |a - b| + |a + b| = 2 max(|a|, |b|):
    mmdet's ``bbox_overlaps(mode='giou', is_aligned=True)`` (``eps`` included) without
    corner coordinates. GIoU does not change when both boxes are scaled along an axis,
    so on normalised boxes it is the pixel GIoU of the matching part.
    """
    delta = (preds - targets).abs()  # (num_layers, bs, P, M, 4)
    l1 = (delta * weights[..., None]).sum(dim=(1, 2, 3, 4))
    center_delta, size_delta = delta.unflatten(-1, (2, 2)).unbind(-2)
    half_size_delta = size_delta * 0.5
    spread = half_size_delta + (center_delta - half_size_delta).relu()  # the max
    mean_size = (preds[..., 2:] + targets[..., 2:]) * 0.5
    # (..., 3, 2) -> (..., 3): the intersection's, the enclosing box's, the prediction's
    # area (a product of two views: the backward of prod() synchronises with the device).
    sizes = torch.stack([(mean_size - spread).relu(), mean_size + spread, preds[..., 2:]],
                        dim=-2)
    overlap, enclose, pred_area = (sizes[..., 0] * sizes[..., 1]).unbind(-1)
    union = (pred_area + targets[..., 2:].prod(-1) - overlap).clamp(min=eps)
    enclose = enclose.clamp(min=eps)
    giou = overlap / union - (enclose - union) / enclose
    return l1, ((1 - giou) * weights).sum(dim=(1, 2, 3))


def _module_sums(loss_cls: nn.Module, loss_bbox: nn.Module, loss_iou: nn.Module,
                 cls_scores: Tensor, bbox_preds: Tensor, labels: Tensor, boxes: Tensor,
                 weights: Tensor, scale: Optional[Tensor]) -> Tensor:
    """Any losses, through their modules on targets expanded to every slot; the IoU
    loss on boxes multiplied by ``scale`` (bs, 1, 1, 4) where given."""
    num_layers = cls_scores.size(0)
    shape = cls_scores.shape[:-1]  # (num_layers, bs, P, M)
    pixel_preds, pixel_boxes = bbox_preds, boxes
    if scale is not None:
        pixel_preds, pixel_boxes = bbox_preds * scale, boxes * scale
    labels = labels.expand(shape).flatten()
    weights = weights.expand(shape).flatten()

    def flat(box: Tensor) -> Tensor:
        return box.expand(*shape, 4).flatten(0, 3)

    # The weights are applied here, not by the modules: mmdet's box losses test
    # ``torch.any(weight > 0)`` on the host (a device synchronisation) when given one.
    sums = [
        loss_cls(cls_scores.flatten(0, 3), labels, reduction_override='none'),
        loss_bbox(flat(bbox_preds), flat(boxes), reduction_override='none').sum(-1),
        loss_iou(bbox_cxcywh_to_xyxy(flat(pixel_preds)), bbox_cxcywh_to_xyxy(flat(pixel_boxes)),
                 reduction_override='none')
    ]
    sums = [s.reshape(len(weights), -1).sum(1) * weights for s in sums]
    return torch.stack([s.view(num_layers, -1).sum(1) for s in sums], dim=1)
