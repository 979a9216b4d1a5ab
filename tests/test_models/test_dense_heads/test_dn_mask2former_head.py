"""DNMask2FormerHead: shifted-mask denoising (§4.9) in mmdet's Mask2Former head."""
import math

import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config

from .. import utils
from ..utils import REPO, build_config_model

CONFIG = 'configs/demo/dn_mask2former_r18_demo.py'
H, W = 96, 128  # padded batch shape; the stride-32 map is 3 x 4


@pytest.fixture(scope='module')
def model():
    return build_config_model(CONFIG)


def build_with_dn_cfg(dn_cfg):
    head = Config.fromfile(REPO / CONFIG).model.panoptic_head
    head.dn_cfg = dn_cfg
    return build_config_model(CONFIG, panoptic_head=head)


def mask_samples(counts, img_shapes=None, seed=0, **kwargs):
    return utils.mask_samples(counts, (H, W), img_shapes, seed, **kwargs)


def head_inputs(model, samples, seed=0):
    torch.manual_seed(seed)
    x = model.extract_feat(torch.randn(len(samples), 3, H, W))
    return x


def dn_for(head, samples, seed=0):
    torch.manual_seed(seed)
    gts = head.preprocess_gt([s.gt_instances for s in samples], [None] * len(samples))
    return head.dn_queries(samples, gts)


def test_shifts_stay_within_the_centre_noise_bounds(model):
    head = model.panoptic_head
    samples = mask_samples([4, 2])
    lam = head.dn_generator.center_noise_scale
    for seed in range(20):
        dn = dn_for(head, samples, seed)
        meta = dn['meta']
        assert dn['shift'].shape == (2, 5, 4, 2)
        sizes = meta['boxes'][..., 2:] * meta['image_sizes'][:, None, :2]  # (bs, M, 2) px
        assert (dn['shift'].abs() <= lam * sizes[:, None] / 2 + 1e-4).all()
        assert (dn['shift'][1, :, 2:] == 0).all()  # padding slots do not move
        centres = meta['boxes'][:, None, :, :2] * meta['image_sizes'][:, None, None, :2] + \
            dn['shift']
        assert (centres >= -1e-4).all() and (centres[..., 0] <= W + 1e-4).all()


def test_a_whole_cell_shift_moves_the_mask_by_exactly_those_cells(model):
    head = model.panoptic_head
    mask = torch.zeros(1, H, W)
    mask[0, 32:64, 32:96] = 1  # cells (1, 1) and (1, 2) of the 3 x 4 map
    dn = dict(masks=mask, meta=dict(slots=torch.tensor([0])),
              shift=torch.tensor([[[[32., -32.]], [[-64., 0.]]]]))  # (bs, P, M, 2)
    cov = head.shifted_coverage(dn, (3, 4), (H, W))
    assert cov.shape == (1, 2, 3, 4)
    expected = torch.zeros(2, 3, 4)
    expected[0, 0, 2:4] = 1  # one cell right, one up
    expected[1, 1, 0] = 1  # two cells left: one falls off the map
    torch.testing.assert_close(cov[0], expected, atol=1e-6, rtol=0)


def test_any_shift_moves_the_masks_centroid_by_exactly_the_drawn_shift(model):
    head = model.panoptic_head
    size = (24, 32)  # a 4-pixel map, so that the shifted mask stays inside it
    mask = torch.zeros(1, H, W)
    mask[0, 30:60, 40:90] = 1
    shifts = torch.tensor([[[[7.3, -5.1]], [[-11.6, 9.9]], [[0.5, 0.25]]]])
    cov = head.shifted_coverage(dict(masks=mask, meta=dict(slots=torch.tensor([0])),
                                     shift=shifts),
                                size, (H, W))[0]
    ys, xs = torch.meshgrid(torch.arange(size[0]) + .5, torch.arange(size[1]) + .5,
                            indexing='ij')
    base = F.adaptive_avg_pool2d(mask[None], size)[0, 0]
    for p in range(3):
        assert float(cov[p].sum()) == pytest.approx(float(base.sum()), abs=1e-4)  # all kept
        dx = ((cov[p] * xs).sum() - (base * xs).sum()) / base.sum() * 4
        dy = ((cov[p] * ys).sum() - (base * ys).sum()) / base.sum() * 4
        assert (float(dx), float(dy)) == pytest.approx(tuple(shifts[0, p, 0].tolist()),
                                                       abs=1e-3)


def test_cells_mostly_in_padding_are_masked(model):
    head = model.panoptic_head
    samples = mask_samples([1], img_shapes=[(64, 64)])
    dn = dn_for(head, samples)
    dn['masks'] = torch.ones_like(dn['masks'])  # an object filling the padded frame
    rows = head.dn_cross_attn_mask(dn, (3, 4), samples).view(1, 5, 3, 4)
    expected = torch.ones(3, 4, dtype=torch.bool)
    expected[:2, :2] = False
    assert (rows == expected).all()


def test_a_mask_smaller_than_a_cell_keeps_its_highest_coverage_cell(model):
    """An object of 12 x 12 px on a stride-32 map covers no cell by half: its rows keep
    exactly the cell it covers most (where its shifted mask has most area), not the whole
    map; a larger object keeps its thresholded cells, and all-zero rows stay all-masked
    (padding slots: attention everywhere)."""
    head = model.panoptic_head
    masks = torch.zeros(1, 2, H, W, dtype=torch.uint8)
    masks[0, 0, 40:52, 70:82] = 1  # small: 12 x 12 px around cell (1, 2)
    masks[0, 1, 0:64, 0:64] = 1  # large: cells (0..1, 0..1)
    samples = mask_samples([2], seed=2, masks=masks)
    dn = dn_for(head, samples, seed=4)
    coverage = head.shifted_coverage(dn, (3, 4), (H, W)).flatten(2)  # (1, 10, 12)
    rows = head.dn_cross_attn_mask(dn, (3, 4), samples)
    for q in range(10):
        cov = coverage[0, q]
        if float(cov.max()) >= 0.5:
            assert torch.equal(rows[0, q], cov < 0.5)
        elif float(cov.max()) > 0:
            assert (~rows[0, q]).sum() == 1 and int((~rows[0, q]).nonzero()) == int(cov.argmax())
        else:
            assert rows[0, q].all()
    small = [q for q in range(10) if 0 < float(coverage[0, q].max()) < 0.5]
    assert len(small) == 5  # every group's copy of the small object


def test_a_small_mask_in_edge_cells_keeps_its_highest_coverage_cell(model):
    """An image 72 x 100 px in the 96 x 128 batch: its bottom row and right column of
    stride-32 cells lie less than half inside it. A small object in the bottom-left cell
    covers only that cell; its rows keep it instead of attending everywhere."""
    head = model.panoptic_head
    masks = torch.zeros(1, 1, H, W, dtype=torch.uint8)
    masks[0, 0, 66:72, 20:30] = 1
    samples = mask_samples([1], img_shapes=[(72, 100)], masks=masks)
    dn = dn_for(head, samples)
    dn['shift'].zero_()  # coverage exactly the pooled mask: cell (2, 0) alone
    rows = head.dn_cross_attn_mask(dn, (3, 4), samples).view(5, 12)
    expected = torch.ones(12, dtype=torch.bool)
    expected[2 * 4 + 0] = False
    assert (rows == expected).all()


def capture_layer0_cross_mask(model, monkeypatch):
    seen = {}
    layer = model.panoptic_head.transformer_decoder.layers[0]
    original = layer.forward

    def record(*args, **kwargs):
        seen.update(kwargs)
        return original(*args, **kwargs)
    monkeypatch.setattr(layer, 'forward', record)
    return seen


def test_first_layer_dn_rows_are_the_shifted_gt_masks(model, monkeypatch):
    head = model.panoptic_head
    samples = mask_samples([3, 1], seed=1)
    x = head_inputs(model, samples)
    dn = dn_for(head, samples, seed=3)
    seen = capture_layer0_cross_mask(model, monkeypatch)
    with torch.no_grad():
        head(x, samples, dn)
    mask = seen['cross_attn_mask'].view(2, head.num_heads, 5 * 3 + 30, -1)
    rows = head.dn_cross_attn_mask(dn, (3, 4), samples)
    rows = rows & (rows.sum(-1) != rows.size(-1))[..., None]  # all-masked rows: everywhere
    for h in range(head.num_heads):
        assert torch.equal(mask[:, h, :15], rows)
    assert not rows[1].view(5, 3, -1)[:, 1:].any()  # padding slots attend everywhere
    assert (~rows[0]).sum() > 0 and rows.any()  # real masks restrict attention
    # Eq. 7 as self-attention mask: DN groups apart, the matching part blind to DN.
    self_mask = seen['self_attn_mask']
    assert self_mask.shape == (45, 45) and self_mask[15:, :15].all()
    assert self_mask[0:3, 3:15].all() and not self_mask[0:3, 0:3].any()
    assert not self_mask[:, 15:].any()


def test_matching_outputs_equal_with_and_without_denoising(model):
    head = model.panoptic_head
    samples = mask_samples([3, 2])
    x = head_inputs(model, samples)
    with torch.no_grad():
        cls_base, masks_base = head(x, samples)
        cls_dn, masks_dn = head(x, samples, dn_for(head, samples))
    assert len(cls_dn) == len(cls_base) == head.num_transformer_decoder_layers + 1
    for a, b in zip(cls_base, cls_dn):
        assert b.shape == (2, 15 + 30, 7)
        torch.testing.assert_close(b[:, 15:], a, atol=1e-5, rtol=1e-5)
    for a, b in zip(masks_base, masks_dn):
        torch.testing.assert_close(b[:, 15:], a, atol=1e-4, rtol=1e-5)


def test_perturbing_a_dn_group_changes_that_group_only(model):
    head = model.panoptic_head
    samples = mask_samples([3, 2])
    x = head_inputs(model, samples)
    dn = dn_for(head, samples)
    with torch.no_grad():
        cls_a, _ = head(x, samples, dn)
        dn['query'] = dn['query'].clone()
        dn['query'][:, 3:6] += torch.randn(2, 3, dn['query'].size(-1))  # group 1
        cls_b, _ = head(x, samples, dn)
    last_a, last_b = cls_a[-1], cls_b[-1]
    assert not torch.allclose(last_a[:, 3:6], last_b[:, 3:6])
    torch.testing.assert_close(last_a[:, :3], last_b[:, :3])
    torch.testing.assert_close(last_a[:, 6:], last_b[:, 6:])


def test_inference_never_builds_the_denoising_part(model, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError('the generator ran at inference')
    monkeypatch.setattr(model.panoptic_head.dn_generator, 'noised_groups', refuse)
    model.eval()
    with torch.no_grad():
        results = model.predict(torch.randn(2, 3, H, W), mask_samples([2, 1]))
    model.train()
    assert results[0].pred_instances.masks.shape == (30, H, W)


@pytest.mark.parametrize('counts', [(0, 0), (3, 0), (2, 4)])
def test_every_parameter_gets_a_gradient_and_losses_are_finite(counts):
    model = build_config_model(CONFIG)
    model.train()
    losses = model.loss(torch.randn(2, 3, H, W), mask_samples(counts))
    num_outputs = model.panoptic_head.num_transformer_decoder_layers + 1
    assert len([k for k in losses if 'dn_loss' in k]) == 3 * num_outputs
    assert all(torch.isfinite(v).all() for v in losses.values())
    if sum(counts) == 0:
        assert all(float(v.detach()) == 0 for k, v in losses.items() if "dn_loss" in k)
    sum(losses.values()).backward()
    assert [n for n, p in model.named_parameters() if p.grad is None] == []


def test_dn_losses_against_a_hand_computation(model, monkeypatch):
    """Each object's queries predict a constant mask logit c of their own; objects 0
    and 2 have full-image masks, object 1 an empty one; points are drawn inside the
    maps (no border interpolation). A point's BCE is softplus(-c) on a full mask and
    softplus(c) on an empty one; dice is 1 - (2Np + 1) / (Np + N + 1) and
    1 - 1 / (Np + 1), p = sigmoid(c), N points. Padded slots (image 0 has 1 object,
    image 1 has 2) hold garbage and weigh 0."""
    from mmdn.models.losses import point_mask_loss
    monkeypatch.setattr(point_mask_loss, 'get_uncertain_point_coords_with_randomness',
                        lambda preds, _, n, *args: torch.rand(len(preds), n, 2) * .8 + .1)
    head = model.panoptic_head
    num_outputs, n = 2, head.num_points
    meta = dict(num_groups=3, group_size=2, num_dn_queries=6, num_targets=3 * 3,
                valid=torch.tensor([[True, False], [True, True]]),
                labels=torch.tensor([[4, 6], [1, 2]]), slots=torch.tensor([0, 2, 3]))
    masks = torch.ones(3, 40, 40)
    masks[1] = 0
    dn = dict(meta=meta, masks=masks)
    cls_scores = torch.randn(num_outputs, 2, 6, 7)
    mask_preds = torch.empty(num_outputs, 2, 6, 10, 10)
    logits = {(0, 0): 0.7, (1, 0): -0.3, (1, 1): 1.2}  # (image, slot): constant logit
    for (b, m), c in logits.items():
        mask_preds[:, b, m::2] = c
    mask_preds[:, 0, 1::2] = 1e4  # image 0's padding slot in each group
    cls_scores[:, 0, 1::2] = 1e4
    losses = head.loss_dn(cls_scores, mask_preds, dn)

    def softplus(v):
        return math.log1p(math.exp(v))

    def dice(p, full):
        return 1 - (2 * n * p + 1) / (n * p + n + 1) if full else 1 - 1 / (n * p + 1)
    p = {k: 1 / (1 + math.exp(-c)) for k, c in logits.items()}
    # Objects: (0, 0) full, (1, 0) empty, (1, 1) full; three groups each, nine in all.
    bce = 3 * (softplus(-0.7) + softplus(-0.3) + softplus(-1.2)) / 9
    dice_loss = 3 * (dice(p[0, 0], True) + dice(p[1, 0], False) + dice(p[1, 1], True)) / 9
    for i, prefix in enumerate(['d0.', '']):
        ce = [F.cross_entropy(cls_scores[i, b, g * 2 + m], torch.tensor(label))
              for b, m, label in ((0, 0, 4), (1, 0, 1), (1, 1, 2)) for g in range(3)]
        assert float(losses[prefix + 'dn_loss_cls']) == pytest.approx(
            2.0 * float(sum(ce)) / 9, rel=1e-5)
        assert float(losses[prefix + 'dn_loss_mask']) == pytest.approx(5.0 * bce, rel=1e-5)
        assert float(losses[prefix + 'dn_loss_dice']) == pytest.approx(5.0 * dice_loss,
                                                                      rel=1e-5)


def test_empty_and_outside_masks_give_finite_losses(model):
    """A ground-truth mask without pixels (an empty annotation, or one whose shifted
    copy leaves the image) trains without NaN."""
    masks = [torch.zeros(2, H, W, dtype=torch.uint8)]
    masks[0][1, 90:, 120:] = 1  # a corner object, the other empty
    losses = model.loss(torch.randn(1, 3, H, W), mask_samples([2], masks=masks))
    assert all(torch.isfinite(v).all() for v in losses.values())


def test_max_dn_queries_keeps_the_masks_of_the_objects_it_keeps():
    model = build_with_dn_cfg(dict(max_dn_queries=2))
    head = model.panoptic_head
    samples = mask_samples([4, 1], seed=2)
    gts = head.preprocess_gt([s.gt_instances for s in samples], [None, None])
    dn = head.dn_queries(samples, gts)
    meta = dn['meta']
    assert meta['num_groups'] == 1 and meta['group_size'] == 2
    index = meta['index'][0].tolist()
    expected = torch.cat([gts[0].masks[index], gts[1].masks[:1]])
    assert torch.equal(dn['masks'], expected)
    assert meta['slots'].tolist() == [0, 1, 2]


@pytest.mark.parametrize('dn_cfg, match', [
    (dict(box_noise_scale=(0.4, 0.2)), 'shifted, not scaled'),
    (dict(num_groups=0), 'num_groups'),
    (dict(scale=1), 'not an option'),
])
def test_bad_dn_config_is_refused_by_name(dn_cfg, match):
    with pytest.raises(ValueError, match=match):
        build_with_dn_cfg(dn_cfg)


@pytest.mark.parametrize('config,ratio', [
    ('configs/dn_mask2former_r50_12e.py', 0.), ('configs/demo/dn_mask2former_r18_demo.py', 0.),
    ('configs/ablations/dn_mask2former_r50_12e_label_noise.py', 0.2)])
def test_mask_denoising_only_unless_the_ablation_flips_labels(config, ratio):
    """§4.9 "only mask denoising": 5 groups of shifted masks, labels kept; the head's
    default too. The ablation config flips with DN-DETR's γ = 0.2."""
    head = Config.fromfile(REPO / config).model.panoptic_head
    assert head.dn_cfg.num_groups == 5 and head.dn_cfg.label_noise_ratio == ratio
    default = build_with_dn_cfg(dict()).panoptic_head.dn_generator
    assert default.label_noise_ratio == 0. and default.num_groups == 5
