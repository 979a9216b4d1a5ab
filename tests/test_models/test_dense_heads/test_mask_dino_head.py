"""MaskDINOHead: Mask DINO with box denoising, and with or without mask denoising."""
import math

import pytest
import torch

from mmdn.models.dense_heads.mask_dino_head import masks_to_boxes
from .. import utils
from ..utils import build_config_model

CONFIG = 'configs/demo/mask_dino_r18_demo.py'
NO_MASK_DN = 'configs/demo/mask_dino_r18_demo_no_mask_dn.py'
H, W = 64, 96  # padded batch shape; the mask map (stride 4) is 16 x 24


@pytest.fixture(scope='module')
def model():
    return build_config_model(CONFIG)


def mask_samples(counts, img_shapes=None, seed=0, **kwargs):
    return utils.mask_samples(counts, (H, W), img_shapes, seed, **kwargs)


def features(model, samples, seed=0):
    torch.manual_seed(seed)
    return model.extract_feat(torch.randn(len(samples), 3, H, W))


def test_masks_to_boxes_by_hand():
    masks = torch.zeros(3, 10, 12, dtype=torch.bool)
    masks[0, 2:5, 3:9] = True  # rows 2-4, columns 3-8
    masks[1, 7, 0] = masks[1, 9, 11] = True  # two pixels at opposite corners
    boxes = masks_to_boxes(masks)  # mask 2 empty
    assert boxes.tolist() == [[3, 2, 9, 5], [0, 7, 12, 10], [0, 0, 0, 0]]


def test_anchors_are_the_boxes_of_the_thresholded_encoder_masks(model):
    """Mask-enhanced anchor boxes: the decoder's initial boxes (the prediction before its
    first layer) are the tight boxes of the selected tokens' masks (logit > 0), in the
    image's frame: image 1 fills 48 x 80 of the 64 x 96 batch."""
    head = model.bbox_head
    samples = mask_samples([2, 1], img_shapes=[(H, W), (48, 80)])
    head.eval()
    with torch.no_grad():
        enc, (_, boxes, _), _ = head(features(model, samples), samples)
    head.train()
    binary = enc[2] > 0  # (bs, L, 16, 24), 4 pixels a cell
    assert binary.any()
    for b, (img_h, img_w) in enumerate([(H, W), (48, 80)]):
        for q in range(0, head.num_queries, 7):
            rows = binary[b, q].any(1).nonzero()[:, 0]
            cols = binary[b, q].any(0).nonzero()[:, 0]
            if len(rows) == 0:
                expected = torch.zeros(4)
            else:
                x1, x2 = 4 * cols.min(), 4 * (cols.max() + 1)
                y1, y2 = 4 * rows.min(), 4 * (rows.max() + 1)
                expected = torch.stack([x1 / img_w, y1 / img_h, x2 / img_w, y2 / img_h]).clamp(0, 1)
                expected = torch.cat([(expected[:2] + expected[2:]) / 2,
                                      expected[2:] - expected[:2]])
            torch.testing.assert_close(boxes[0][b, q], expected.float())


def test_matching_outputs_do_not_depend_on_the_dn_queries(model):
    """Eq. 7 keeps the matching queries blind to the DN part: with and without it, every
    matching prediction (class, box, mask, at every decoder output) is the same."""
    head = model.bbox_head
    samples = mask_samples([3, 1])
    x = features(model, samples)
    with torch.no_grad():
        torch.manual_seed(1)
        enc_dn, dec_dn, meta = head(x, samples, with_dn=True)
        enc, dec, none = head(x, samples)
    assert none is None and meta['num_dn_queries'] == 5 * 3
    num_dn = meta['num_dn_queries']
    for a, b in zip(enc_dn, enc):
        torch.testing.assert_close(a, b)
    for outputs_dn, outputs in zip(dec_dn, dec):
        assert len(outputs_dn) == len(outputs) == len(head.decoder.layers) + 1
        for a, b in zip(outputs_dn, outputs):
            assert a.shape[1] == b.shape[1] + num_dn
            torch.testing.assert_close(a[:, num_dn:], b, atol=1e-5, rtol=1e-4)


def test_dn_mask_losses_against_a_hand_computation(model, monkeypatch):
    """Each object's DN queries predict a constant mask logit c of their own; object 0 has
    a full mask, object 1 an empty one; points are drawn inside the map. A point's BCE is
    softplus(-c) on a full mask, softplus(c) on an empty one; dice is
    1 - (2Np + 1) / (Np + N + 1) and 1 - 1 / (Np + 1), p = sigmoid(c), N points. Both
    are summed over objects and groups and weighted 5 (the config's)."""
    from mmdn.models.losses import point_mask_loss
    monkeypatch.setattr(point_mask_loss, 'get_uncertain_point_coords_with_randomness',
                        lambda preds, _, n, *args: torch.rand(len(preds), n, 2) * .8 + .1)
    head = model.bbox_head
    n = head.num_points
    samples = mask_samples([2])
    gts = head.targets(samples)
    gts[0].masks[0] = True
    gts[0].masks[1] = False
    meta = dict(num_groups=3, group_size=2, slots=torch.tensor([0, 1]),
                objects=torch.tensor([0, 1]))
    logits = torch.tensor([1.5, -0.5])  # object 0's, object 1's
    # (bs, P*M, h, w): slot p * M + m holds object m's logit; 2 prediction sets.
    masks = [logits.repeat(3).view(1, 6, 1, 1).expand(1, 6, 16, 24) for _ in range(2)]
    sums = head.dn_mask_sums(masks, gts, meta)
    p = torch.sigmoid(logits)
    bce = torch.stack([torch.nn.functional.softplus(-logits[0]),
                       torch.nn.functional.softplus(logits[1])])
    dice = torch.stack([1 - (2 * n * p[0] + 1) / (n * p[0] + n + 1), 1 - 1 / (n * p[1] + 1)])
    expected = 5 * 3 * torch.stack([bce.sum(), dice.sum()])
    torch.testing.assert_close(sums, expected.expand(2, 2), rtol=1e-4, atol=1e-4)


def test_no_mask_dn_has_the_same_forward_and_no_dn_mask_loss(model):
    """The pair differs in one line: the same weights and noise give the same losses,
    except that the config without mask denoising has no ``dn_loss_mask/dice``."""
    other = build_config_model(NO_MASK_DN)
    other.load_state_dict(model.state_dict())
    samples = mask_samples([3, 0, 2])
    inputs = torch.randn(3, 3, H, W)
    with_masks, without = [], []
    for m, out in ((model, with_masks), (other, without)):
        torch.manual_seed(7)
        out.append(m.loss(inputs, samples))
    with_masks, without = with_masks[0], without[0]
    extra = {k for k in with_masks if 'dn_loss_mask' in k or 'dn_loss_dice' in k}
    num_sets = len(model.bbox_head.decoder.layers) + 1
    assert len(extra) == 2 * num_sets and set(without) == set(with_masks) - extra
    assert not any('dn_loss_mask' in k or 'dn_loss_dice' in k for k in without)
    assert len([k for k in without if 'dn_loss' in k]) == 3 * num_sets
    for key, value in without.items():
        if 'loss_mask' in key or 'loss_dice' in key:  # point sampling draws differ
            continue
        torch.testing.assert_close(value, with_masks[key], rtol=1e-4, atol=1e-5)
    assert all(torch.isfinite(v) and v > 0 for k, v in with_masks.items() if k in extra)


@pytest.mark.parametrize('counts', [[0, 0], [0, 3], [40, 1]])
def test_every_parameter_learns_with_finite_losses(model, counts):
    """Batches without objects, one image without, and more objects than queries: every
    loss finite, every parameter in the graph; without objects the DN losses are 0."""
    samples = mask_samples(counts, empty={(1, 0), (0, 5)})
    model.zero_grad()
    losses = model.loss(torch.randn(2, 3, H, W), samples)
    assert all(torch.isfinite(v) for v in losses.values())
    if sum(counts) == 0:
        assert all(float(v.detach()) == 0 for k, v in losses.items() if "dn_loss" in k)
    sum(losses.values()).backward()
    assert [n for n, p in model.named_parameters() if p.grad is None] == []


def test_inference_builds_no_dn_queries_and_gives_boxes_and_masks(model, monkeypatch):
    head = model.bbox_head
    monkeypatch.setattr(head.dn_generator, 'forward', lambda *a, **k: pytest.fail('DN'))
    samples = mask_samples([2, 0], img_shapes=[(H, W), (48, 80)])
    for s in samples:
        s.set_metainfo(dict(ori_shape=(2 * s.img_shape[0], 2 * s.img_shape[1]),
                            scale_factor=(0.5, 0.5)))
    model.eval()
    with torch.no_grad():
        results = model.predict(torch.randn(2, 3, H, W), samples)
    model.train()
    for result, (h, w) in zip(results, [(H, W), (48, 80)]):
        pred = result.pred_instances
        assert len(pred) == head.test_cfg['max_per_image']
        assert pred.masks.shape[1:] == (2 * h, 2 * w) and pred.masks.dtype == torch.bool
        assert pred.bboxes.shape == (len(pred), 4)
        assert (pred.bboxes[:, 2:] <= torch.tensor([2 * w, 2 * h]) + 1e-3).all()
        assert ((pred.scores >= 0) & (pred.scores <= 1)).all()
        assert (pred.labels < head.num_classes).all()
        # A mask's score is its class score times its mean probability inside the mask:
        # an empty mask scores 0.
        assert (pred.scores[pred.masks.flatten(1).sum(1) == 0] == 0).all()


def test_official_dynamic_group_count():
    """``dn_cfg=dict(num_groups=100, max_dn_queries=100)``: 100 // M groups."""
    head = build_config_model(CONFIG).bbox_head
    head.dn_generator.num_groups, head.dn_generator.max_dn_queries = 100, 100
    for counts, groups in (([3, 1], 33), ([7], 14), ([1], 100)):
        _, _, _, meta = head.dn_generator(mask_samples(counts), head.num_queries)
        assert meta['num_groups'] == groups and meta['num_dn_queries'] == groups * max(counts)
    assert math.isclose(head.dn_generator.label_noise_ratio, 0.2)


def test_dn_mask_targets_follow_the_subsampled_objects(model, monkeypatch):
    """More objects than ``max_dn_queries``: the generator keeps a subset, and each
    slot's mask target is the object ``dn_meta['objects']`` names. Objects 0 and 1 have
    empty masks, object 2 a full one; the slots hold objects 2 and 1."""
    from mmdn.models.losses import point_mask_loss
    monkeypatch.setattr(point_mask_loss, 'get_uncertain_point_coords_with_randomness',
                        lambda preds, _, n, *args: torch.rand(len(preds), n, 2) * .8 + .1)
    head = model.bbox_head
    gts = head.targets(mask_samples([3]))
    gts[0].masks[:2] = False
    gts[0].masks[2] = True
    meta = dict(num_groups=1, group_size=2, slots=torch.tensor([0, 1]),
                objects=torch.tensor([2, 1]))
    logits = torch.tensor([0.7, -1.2])
    masks = [logits.view(1, 2, 1, 1).expand(1, 2, 16, 24)]
    sums = head.dn_mask_sums(masks, gts, meta)
    bce = 5 * (torch.nn.functional.softplus(-logits[0]) + torch.nn.functional.softplus(
        logits[1]))
    torch.testing.assert_close(sums[0, 0], bce, rtol=1e-4, atol=1e-4)


def test_more_objects_than_the_dn_budget_train(model):
    """``max_dn_queries`` below an image's objects: one group of a random subset, finite
    losses with DN mask losses, every parameter learning."""
    head = model.bbox_head
    cap = head.dn_generator.max_dn_queries
    head.dn_generator.max_dn_queries = 4
    try:
        samples = mask_samples([9, 2])
        model.zero_grad()
        losses = model.loss(torch.randn(2, 3, H, W), samples)
    finally:
        head.dn_generator.max_dn_queries = cap
    assert all(torch.isfinite(v) for v in losses.values())
    assert losses['dn_loss_mask'] > 0 and losses['dn_loss_dice'] > 0
    sum(losses.values()).backward()
    assert [n for n, p in model.named_parameters() if p.grad is None] == []
