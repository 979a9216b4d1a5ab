import math

import pytest
import torch

from mmdet.registry import MODELS
from mmdn.models.dense_heads import DNDABDETRHead  # noqa: F401
from ..utils import HostToDeviceCopies


def _head(num_classes=3):
    return MODELS.build(dict(
        type='DNDABDETRHead', num_classes=num_classes, embed_dims=8,
        loss_cls=dict(type='FocalLoss', use_sigmoid=True, gamma=2.0, alpha=0.25,
                      loss_weight=1.0),
        loss_bbox=dict(type='L1Loss', loss_weight=5.0),
        loss_iou=dict(type='GIoULoss', loss_weight=2.0)))


def _focal(logit, positive, alpha=0.25, gamma=2.0):
    p = 1 / (1 + math.exp(-logit))
    if positive:
        return -alpha * (1 - p) ** gamma * math.log(p)
    return -(1 - alpha) * p ** gamma * math.log(1 - p)


def _giou(a, b):
    """GIoU of two (x1, y1, x2, y2) boxes, written out."""
    iw = max(0., min(a[2], b[2]) - max(a[0], b[0]))
    ih = max(0., min(a[3], b[3]) - max(a[1], b[1]))
    inter = iw * ih
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    enclose = (max(a[2], b[2]) - min(a[0], b[0])) * (max(a[3], b[3]) - min(a[1], b[1]))
    return inter / union - (enclose - union) / enclose


def test_dn_losses_equal_a_hand_computation():
    head = _head()
    # 2 layers, 2 images, P = 2 groups of M = 2 slots. Image 0 has one object (slots 0
    # and 2 are real, 1 and 3 padding with extreme outputs that must not count), image 1
    # two (every slot real).
    torch.manual_seed(0)
    cls = torch.randn(2, 2, 4, 3)
    box = torch.rand(2, 2, 4, 4) * 0.4 + 0.2
    cls[:, 0, [1, 3]] = 50.
    box[:, 0, [1, 3]] = 0.99
    targets = {(0, 0): (2, [0.5, 0.4, 0.2, 0.2]), (1, 0): (0, [0.3, 0.6, 0.3, 0.3]),
               (1, 1): (1, [0.6, 0.5, 0.2, 0.4])}
    labels = torch.full((2, 2), 3)  # padding: the 'unknown' index
    boxes = torch.zeros(2, 2, 4)
    valid = torch.zeros(2, 2, dtype=torch.bool)
    for (b, m), (label, target) in targets.items():
        labels[b, m], boxes[b, m], valid[b, m] = label, torch.tensor(target), True
    meta = dict(num_dn_queries=4, num_groups=2, group_size=2, num_targets=6, labels=labels,
                boxes=boxes, valid=valid)
    losses = head.loss_dn(cls, box, meta)

    def xyxy(b):
        cx, cy, w, h = b
        return [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2]

    for layer, prefix in ((1, ''), (0, 'd0.')):
        fl = l1 = gi = 0.
        for (b, m), (label, target) in targets.items():
            for q in (m, 2 + m):  # the object's slot in each group
                for c in range(3):
                    fl += _focal(cls[layer, b, q, c].item(), c == label)
                l1 += (box[layer, b, q] - torch.tensor(target)).abs().sum().item()
                gi += 1 - _giou(xyxy(box[layer, b, q].tolist()), xyxy(target))
        assert losses[f'{prefix}dn_loss_cls'].item() == pytest.approx(fl / 6, rel=1e-5)
        assert losses[f'{prefix}dn_loss_bbox'].item() == pytest.approx(5 * l1 / 6, rel=1e-5)
        # mmdet's GIoU adds eps=1e-6 to the union and enclosing areas.
        assert losses[f'{prefix}dn_loss_iou'].item() == pytest.approx(2 * gi / 6, rel=1e-4)
    assert set(losses) == {'dn_loss_cls', 'dn_loss_bbox', 'dn_loss_iou', 'd0.dn_loss_cls',
                           'd0.dn_loss_bbox', 'd0.dn_loss_iou'}


def test_no_dn_queries_gives_zero_losses():
    head = _head()
    cls = torch.zeros(3, 2, 0, 3, requires_grad=True)
    box = torch.zeros(3, 2, 0, 4, requires_grad=True)
    meta = dict(num_dn_queries=0, num_groups=5, group_size=0, num_targets=0,
                labels=torch.zeros(2, 0, dtype=torch.long),
                boxes=torch.zeros(2, 0, 4), valid=torch.zeros(2, 0, dtype=torch.bool))
    losses = head.loss_dn(cls, box, meta)
    assert len(losses) == 9
    for v in losses.values():
        assert v.item() == 0 and torch.isfinite(v)


def test_dn_losses_need_no_host_device_synchronisation():
    """On the meta device a host step on the data fails; no blocking copy is made."""
    head = _head().to('meta')
    cls = torch.randn(2, 2, 4, 3, device='meta')
    box = torch.rand(2, 2, 4, 4, device='meta')
    meta = dict(num_dn_queries=4, num_groups=2, group_size=2, num_targets=6,
                labels=torch.zeros(2, 2, dtype=torch.long, device='meta'),
                boxes=torch.rand(2, 2, 4, device='meta'),
                valid=torch.ones(2, 2, dtype=torch.bool, device='meta'),
                image_sizes=torch.ones(2, 4, device='meta'))
    with HostToDeviceCopies() as copies:
        losses = head.loss_dn(cls, box, meta)
    assert copies.blocking == []
    assert len(losses) == 6 and all(v.device.type == 'meta' for v in losses.values())
