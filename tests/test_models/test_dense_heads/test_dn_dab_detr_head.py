import math

import torch

from mmdet.registry import MODELS
from mmdn.models.dense_heads import DNDABDETRHead  # noqa: F401


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
    # 2 layers, 2 images, 4 DN slots; real queries at (0, 1) and (1, 2); (0, 0) etc. are
    # padding with extreme outputs that must not count.
    cls = torch.full((2, 2, 4, 3), 50.)
    box = torch.full((2, 2, 4, 4), 0.5)
    cls[0, 0, 1] = torch.tensor([0.5, -1., 2.])
    cls[0, 1, 2] = torch.tensor([-0.3, 0.2, 0.])
    cls[1, 0, 1] = torch.tensor([1., 1., -2.])
    cls[1, 1, 2] = torch.tensor([0., -0.5, 0.7])
    box[0, 0, 1] = torch.tensor([0.5, 0.5, 0.2, 0.4])
    box[0, 1, 2] = torch.tensor([0.3, 0.6, 0.3, 0.2])
    box[1, 0, 1] = torch.tensor([0.45, 0.55, 0.25, 0.35])
    box[1, 1, 2] = torch.tensor([0.35, 0.6, 0.2, 0.2])
    meta = dict(batch_index=torch.tensor([0, 1]), query_index=torch.tensor([1, 2]),
                labels=torch.tensor([2, 0]),
                boxes=torch.tensor([[0.5, 0.4, 0.2, 0.2], [0.3, 0.6, 0.3, 0.3]]),
                factors=torch.tensor([[100., 50., 100., 50.], [80., 80., 80., 80.]]))
    losses = head.loss_dn(cls, box, meta)

    def xyxy(b, f):
        cx, cy, w, h = b
        return [(cx - w / 2) * f[0], (cy - h / 2) * f[1], (cx + w / 2) * f[0],
                (cy + h / 2) * f[1]]

    for layer, prefix in ((1, ''), (0, 'd0.')):
        K = 2
        fl = l1 = gi = 0.
        for k, (b, q) in enumerate([(0, 1), (1, 2)]):
            for c in range(3):
                fl += _focal(cls[layer, b, q, c].item(), c == meta['labels'][k])
            l1 += (box[layer, b, q] - meta['boxes'][k]).abs().sum().item()
            f = meta['factors'][k].tolist()
            gi += 1 - _giou(xyxy(box[layer, b, q].tolist(), f),
                            xyxy(meta['boxes'][k].tolist(), f))
        assert losses[f'{prefix}dn_loss_cls'].item() == pytest_approx(fl / K)
        assert losses[f'{prefix}dn_loss_bbox'].item() == pytest_approx(5 * l1 / K)
        assert losses[f'{prefix}dn_loss_iou'].item() == pytest_approx(2 * gi / K)
    assert set(losses) == {'dn_loss_cls', 'dn_loss_bbox', 'dn_loss_iou', 'd0.dn_loss_cls',
                           'd0.dn_loss_bbox', 'd0.dn_loss_iou'}


def pytest_approx(x):
    import pytest
    return pytest.approx(x, rel=1e-5, abs=1e-6)


def test_no_dn_queries_gives_zero_losses():
    head = _head()
    cls = torch.zeros(3, 2, 0, 3, requires_grad=True)
    box = torch.zeros(3, 2, 0, 4, requires_grad=True)
    meta = dict(batch_index=torch.zeros(0, dtype=torch.long),
                query_index=torch.zeros(0, dtype=torch.long),
                labels=torch.zeros(0, dtype=torch.long), boxes=torch.zeros(0, 4),
                factors=torch.zeros(0, 4))
    losses = head.loss_dn(cls, box, meta)
    assert len(losses) == 9
    for v in losses.values():
        assert v.item() == 0 and torch.isfinite(v)
