import math

import pytest
import torch

from mmdet.structures.bbox import bbox_xyxy_to_cxcywh
from mmdn.models.layers import DnQueryGenerator, dn_attention_mask, dn_query_generator
from ..utils import HostToDeviceCopies, make_samples


def eq7_by_definition(P: int, M: int, N: int, rows=None) -> torch.Tensor:
    """Eq. 7 written out element by element (the block ``rows`` x ``rows`` of it)."""
    rows = range(P * M + N) if rows is None else rows
    a = torch.zeros(len(rows), len(rows), dtype=torch.bool)
    for a_i, i in enumerate(rows):
        for a_j, j in enumerate(rows):
            if j < P * M and i // M != j // M:
                a[a_i, a_j] = True
            if j < P * M and i >= P * M:
                a[a_i, a_j] = True
    return a


@pytest.mark.parametrize('P, M, N', [(5, 3, 7), (1, 4, 2), (10, 1, 5), (3, 0, 4), (2, 6, 0)])
def test_mask_is_eq7(P, M, N):
    assert torch.equal(dn_attention_mask(P, M, N), eq7_by_definition(P, M, N))


@pytest.mark.parametrize('P, M, N, K', [(5, 3, 12, 3), (0, 0, 12, 4), (2, 2, 6, 6), (3, 0, 8, 2)])
def test_mask_with_matching_groups(P, M, N, K):
    """Group DETR's K matching groups: Eq. 7, plus matching queries of different groups
    apart; denoising queries see every matching query."""
    mask = dn_attention_mask(P, M, N, num_matching_groups=K)
    expected = eq7_by_definition(P, M, N)
    size = N // K
    for i in range(P * M, P * M + N):
        for j in range(P * M, P * M + N):
            expected[i, j] = (i - P * M) // size != (j - P * M) // size
    assert torch.equal(mask, expected)


def test_matching_groups_must_divide_the_matching_queries():
    with pytest.raises(ValueError, match='4 matching groups do not divide 10'):
        dn_attention_mask(2, 3, 10, num_matching_groups=4)


def test_generator_keeps_matching_groups_apart_also_without_objects_or_mask():
    gen = DnQueryGenerator(num_classes=6, embed_dims=8)
    *_, mask, meta = gen(make_samples([0, 0]), 6, num_matching_groups=3)
    assert meta['num_dn_queries'] == 0
    assert torch.equal(mask, dn_attention_mask(0, 0, 6, num_matching_groups=3))
    gen.with_attn_mask = False  # the ablation: no Eq. 7, the groups still apart
    *_, mask, meta = gen(make_samples([1, 0]), 6, num_matching_groups=3)
    num_dn = meta['num_dn_queries']
    assert num_dn == 5 and not mask[:num_dn].any() and not mask[:, :num_dn].any()
    assert torch.equal(mask[num_dn:, num_dn:], dn_attention_mask(0, 0, 6,
                                                                 num_matching_groups=3))


@pytest.mark.parametrize('dtype', [torch.float32, torch.float64])
def test_additive_mask_is_eq7(dtype):
    mask = dn_attention_mask(4, 3, 5, dtype=dtype)
    blocked = eq7_by_definition(4, 3, 5)
    assert mask.dtype == dtype
    assert torch.isneginf(mask[blocked]).all() and not mask[~blocked].any()


def test_each_image_is_normalised_by_its_own_size():
    samples = make_samples([2, 3])
    samples[1].set_metainfo(dict(img_shape=(100, 50)))
    meta = DnQueryGenerator(num_classes=6, embed_dims=8)(samples, 4)[3]
    for b, s in enumerate(samples):
        h, w = s.img_shape
        expected = bbox_xyxy_to_cxcywh(s.gt_instances.bboxes / torch.tensor([w, h, w, h]))
        torch.testing.assert_close(meta['boxes'][b, :len(expected)], expected)


@pytest.mark.parametrize('counts', [[3, 1, 0], [0, 0], [1], [4, 4], [0, 2]])
def test_generator_mask_and_shapes_for_gt_patterns(counts):
    gen = DnQueryGenerator(num_classes=6, embed_dims=16, num_groups=5)
    query, anchor, mask, meta = gen(make_samples(counts), num_matching_queries=7)
    M, P = max(counts), 5
    assert query.shape == (len(counts), P * M, 16) and anchor.shape == (len(counts), P * M, 4)
    assert meta['num_dn_queries'] == P * M and meta['group_size'] == M
    assert meta['num_targets'] == P * sum(counts) == P * int(meta['valid'].sum())
    # Image b's objects fill the first counts[b] slots of each group.
    expected = torch.tensor([[m < n for m in range(M)] for n in counts], dtype=torch.bool)
    assert torch.equal(meta['valid'], expected.reshape(len(counts), M))
    if M == 0:
        assert mask is None
    else:
        assert torch.equal(mask, eq7_by_definition(P, M, 7))


def _one_box_batch(n=4000, size=(0.2, 0.1)):
    """n images with one centred box each, far from the borders (no clamping)."""
    samples = make_samples([1] * n)
    for s in samples:
        h, w = s.img_shape
        cx, cy, bw, bh = w / 2, h / 2, size[0] * w, size[1] * h
        s.gt_instances.bboxes = torch.tensor([[cx - bw / 2, cy - bh / 2, cx + bw / 2,
                                               cy + bh / 2]])
    return samples


def test_box_noise_bounds_over_many_draws():
    l1, l2 = 0.4, 0.3
    gen = DnQueryGenerator(num_classes=6, embed_dims=8, num_groups=5,
                           box_noise_scale=(l1, l2), with_label_noise=False)
    samples = _one_box_batch()
    _, anchor, _, meta = gen(samples, 3)
    slots = meta['valid'].repeat(1, 5)
    noised = anchor[slots].sigmoid().double()
    orig = meta['boxes'].repeat(1, 5, 1)[slots].double()
    dx, dy = (noised[:, 0] - orig[:, 0]).abs(), (noised[:, 1] - orig[:, 1]).abs()
    assert (dx < l1 * orig[:, 2] / 2 + 1e-6).all() and (dy < l1 * orig[:, 3] / 2 + 1e-6).all()
    # Every noised centre inside its original box (λ1 < 1).
    assert (dx < orig[:, 2] / 2).all() and (dy < orig[:, 3] / 2).all()
    ratio_w, ratio_h = noised[:, 2] / orig[:, 2], noised[:, 3] / orig[:, 3]
    for r in (ratio_w, ratio_h):
        assert (r > 1 - l2 - 1e-4).all() and (r < 1 + l2 + 1e-4).all()
        # The draws fill the range: uniform on [1 - λ2, 1 + λ2].
        assert r.min() < 1 - 0.95 * l2 and r.max() > 1 + 0.95 * l2
        assert abs(r.mean().item() - 1) < 0.01
    assert dx.max() > 0.95 * l1 * orig[0, 2] / 2


def test_box_noise_is_clamped_to_the_image():
    gen = DnQueryGenerator(num_classes=6, embed_dims=8, num_groups=10, box_noise_scale=0.9)
    samples = make_samples([3] * 50)
    for s in samples:  # boxes touching the borders, and partly outside
        s.gt_instances.bboxes[0] = torch.tensor([-5., -5., 20., 20.])
        s.gt_instances.bboxes[1] = torch.tensor([60., 50., 90., 70.])
    _, anchor, _, meta = gen(samples, 3)
    noised = anchor[meta['valid'].repeat(1, 10)].sigmoid()
    assert (noised >= 0).all() and (noised <= 1).all() and torch.isfinite(anchor).all()


def test_label_flip_rate_matches_gamma():
    C, gamma = 6, 0.2
    gen = DnQueryGenerator(num_classes=C, embed_dims=8, num_groups=10,
                           label_noise_ratio=gamma, with_box_noise=False)
    samples = make_samples([10] * 200)
    torch.manual_seed(0)
    labels = gen.apply_label_noise(torch.cat([s.gt_instances.labels for s in samples]).repeat(10))
    orig = torch.cat([s.gt_instances.labels for s in samples]).repeat(10)
    n = orig.numel()
    # A flip draws uniformly from the C real classes, so it keeps the label 1/C of the time.
    expected = gamma * (1 - 1 / C)
    observed = (labels != orig).float().mean().item()
    assert abs(observed - expected) < 5 * math.sqrt(expected * (1 - expected) / n)
    assert labels.min() >= 0 and labels.max() < C  # never the 'unknown' index
    assert torch.equal(DnQueryGenerator(C, 8, label_noise_ratio=0.).apply_label_noise(orig), orig)


def test_pad_and_split_round_trip():
    """An identity decoder gives back each DN input at its image, group and object."""
    gen = DnQueryGenerator(num_classes=6, embed_dims=8, num_groups=3,
                           with_box_noise=False, with_label_noise=False)
    counts = [2, 0, 3]
    samples = make_samples(counts)
    query, anchor, _, meta = gen(samples, 5)
    M = 3
    emb = gen.label_embedding.weight
    for b, s in enumerate(samples):
        boxes = bbox_xyxy_to_cxcywh(s.gt_instances.bboxes / torch.tensor([80., 64., 80., 64.]))
        for p in range(3):
            for m in range(M):
                slot = p * M + m
                if m < counts[b]:
                    label = s.gt_instances.labels[m]
                    assert torch.allclose(query[b, slot, :-1], emb[label])
                    assert query[b, slot, -1] == 1  # the indicator
                    assert torch.allclose(anchor[b, slot].sigmoid(), boxes[m], atol=1e-5)
                    assert meta['valid'][b, m] and meta['labels'][b, m] == label
                    assert torch.allclose(meta['boxes'][b, m], boxes[m])
                else:  # padding: zero content and anchor, no target
                    assert not query[b, slot].any() and not anchor[b, slot].any()
                    assert not meta['valid'][b, m] and meta['labels'][b, m] == 6


def test_matching_content_is_unknown_with_indicator_zero():
    gen = DnQueryGenerator(num_classes=6, embed_dims=8)
    content = gen.matching_content(4)
    assert content.shape == (4, 8)
    assert torch.equal(content[:, :-1], gen.label_embedding.weight[6].expand(4, -1))
    assert not content[:, -1].any()


def test_cap_on_dn_queries():
    gen = DnQueryGenerator(num_classes=6, embed_dims=8, num_groups=5, max_dn_queries=12)
    _, _, mask, meta = gen(make_samples([4, 1]), 2)
    assert meta['num_groups'] == 3 and meta['num_dn_queries'] == 12
    torch.manual_seed(0)
    query, _, mask, meta = gen(make_samples([300, 20, 5]), 2)
    # M alone exceeds the cap: one group of 12 random objects of each larger image.
    assert meta['num_groups'] == 1 and query.shape[1] == 12 and mask.shape == (14, 14)
    assert meta['valid'].sum(1).tolist() == [12, 12, 5] and meta['num_targets'] == 29
    assert meta['valid'][:, :5].all() and not meta['valid'][2, 5:].any()


@pytest.mark.parametrize('counts, cap', [([2, 0, 3], None), ([300, 20, 5], 12), ([4, 1], 2)])
def test_real_slots_name_their_objects(counts, cap):
    """``slots`` are the real slots of the (bs, M) grid, ``objects`` the object each
    holds among the batch's (concatenated), with and without ``max_dn_queries``
    subsampling: the slot's target box is that object's; ``gather_real_slots`` reads
    every group of exactly those slots."""
    gen = DnQueryGenerator(num_classes=6, embed_dims=8, num_groups=3, max_dn_queries=cap,
                           with_box_noise=False, with_label_noise=False)
    samples = make_samples(counts)
    torch.manual_seed(0)
    query, _, _, meta = gen(samples, 5)
    P, M = meta['num_groups'], meta['group_size']
    assert meta['slots'].tolist() == [b * M + m for b, n in enumerate(counts)
                                      for m in range(min(n, M))]
    assert len(meta['objects']) == len(meta['slots']) == meta['num_targets'] // P
    boxes = torch.cat([bbox_xyxy_to_cxcywh(s.gt_instances.bboxes / torch.tensor(
        [80., 64., 80., 64.])) for s in samples])
    torch.testing.assert_close(meta['boxes'].flatten(0, 1)[meta['slots']],
                               boxes[meta['objects']])
    rows = dn_query_generator.gather_real_slots(query, meta)  # (R, P, D)
    assert rows.shape == (len(meta['slots']), P, 8)
    for r, slot in enumerate(meta['slots'].tolist()):
        b, m = divmod(slot, M)
        for p in range(P):
            assert torch.equal(rows[r, p], query[b, p * M + m])


def test_hundreds_of_boxes_without_cap():
    gen = DnQueryGenerator(num_classes=6, embed_dims=8, num_groups=5)
    query, anchor, mask, meta = gen(make_samples([300, 2]), 10)
    assert query.shape == (2, 1500, 8) and mask.shape == (1510, 1510)
    assert torch.isfinite(anchor).all()


@pytest.mark.parametrize('key, value', [('num_groups', 0), ('label_noise_ratio', 1.5),
                                        ('label_noise_ratio', -0.1), ('box_noise_scale', 1.0),
                                        ('box_noise_scale', (0.4, -0.1)),
                                        ('max_dn_queries', 0), ('num_classes', 0)])
def test_bad_config_values_name_the_key(key, value):
    kwargs = dict(num_classes=6, embed_dims=8)
    kwargs[key] = value
    with pytest.raises(ValueError, match=f'dn_cfg.{key} must be'):
        DnQueryGenerator(**kwargs)


@pytest.mark.parametrize('label', [6, -1])
def test_label_outside_the_classes_names_the_image(label):
    samples = make_samples([2, 3])
    samples[1].gt_instances.labels[2] = label
    gen = DnQueryGenerator(num_classes=6, embed_dims=8)
    with pytest.raises(ValueError, match=f'image img_1.png: ground-truth label {label} '):
        gen(samples, 4)


def test_matching_sees_dn_drops_only_that_block():
    """Known-object detection (§5.7.1): matching rows see every DN query, groups stay apart."""
    P, M, N = 3, 2, 4
    mask = dn_attention_mask(P, M, N, matching_sees_dn=True)
    expect = eq7_by_definition(P, M, N)
    expect[P * M:] = False
    assert torch.equal(mask, expect)
    assert dn_attention_mask(P, M, N)[P * M:, :P * M].all()  # the cached default unchanged


def test_clean_groups_are_the_ground_truth():
    gen = DnQueryGenerator(num_classes=6, embed_dims=8, num_groups=3, label_noise_ratio=1.0)
    samples = make_samples([4, 2])
    labels, boxes, meta = gen.noised_groups(samples, clean=True)
    assert torch.equal(labels, meta['labels'][:, None].expand_as(labels))
    assert torch.equal(boxes, meta['boxes'][:, None].expand_as(boxes))
    noisy_labels, noisy_boxes, _ = gen.noised_groups(samples)
    assert not torch.equal(noisy_boxes, boxes) and not torch.equal(noisy_labels, labels)


def test_mask_cache_holds_a_bounded_amount_of_boolean_masks():
    cache = dn_query_generator._MASKS
    cache.masks.clear()
    for M in range(100, 501, 50):  # 0.6 to 7.8 MB each, 29 MB in all
        dn_attention_mask(5, M, 300, dtype=torch.float32)
    assert all(m.dtype == torch.bool for m in cache.masks.values())
    assert sum(m.numel() for m in cache.masks.values()) <= cache.max_bytes
    assert (5, 500, 300, 'cpu', False, 1) in cache.masks  # the most recent kept
    assert (5, 100, 300, 'cpu', False, 1) not in cache.masks  # the oldest dropped
    # A mask larger than the whole cache (1,000 objects in 5 groups) is built, not kept.
    mask = dn_attention_mask(5, 1000, 300)
    assert mask.shape == (5300, 5300) and (5, 1000, 300, 'cpu', False, 1) not in cache.masks
    assert torch.equal(mask[3990:5010, 3990:5010],
                       eq7_by_definition(5, 1000, 300, rows=range(3990, 5010)))


def test_dn_anchors_take_the_official_inverse_sigmoid():
    """Coordinates clamped to the image's border sit at the official ±log(1 / 0.001)
    (its inverse sigmoid clamps 1 - x and x at 1e-3; ``torch.logit`` would clamp x to
    [0.001, 0.999], ±log(999): 1e-3 off for every box noised to the border, as the
    training-parity tool measured)."""
    gen = DnQueryGenerator(num_classes=6, embed_dims=8, num_groups=1, with_box_noise=False)
    samples = make_samples([1])
    samples[0].gt_instances.bboxes = torch.tensor([[0., 0., 80., 64.]])  # the whole image
    _, anchor, _, _ = gen(samples, 3)
    limit = math.log(1000)
    torch.testing.assert_close(anchor[0, 0], torch.tensor([0., 0., limit, limit]))


def test_noise_is_the_formula_of_its_draws():
    """Given the draws (the seam the parity tool replays the official ones through), the
    noised queries are §4.3's formula computed by hand: a label flips where its draw is
    below γ; cx += u λ1 w / 2, cy += u λ1 h / 2, w *= 1 + u λ2, h *= 1 + u λ2, clamped."""
    l1, l2, gamma = 0.4, 0.3, 0.2
    gen = DnQueryGenerator(num_classes=6, embed_dims=8, num_groups=2,
                           box_noise_scale=(l1, l2), label_noise_ratio=gamma)
    samples = make_samples([2, 1])
    samples[0].gt_instances.bboxes[1] = torch.tensor([0., 0., 80., 64.])  # the whole image
    chance = torch.tensor([[[0.1, 0.5], [0.3, 0.19]], [[0.9, 1.], [0.05, 1.]]])
    classes = torch.tensor([[[4, 4], [2, 5]], [[1, 0], [3, 0]]])
    u = torch.linspace(-1, 1, 2 * 2 * 2 * 4).view(2, 2, 2, 4)
    u[0, 1, 1, 2] = 0.9  # the whole image's width grows past it
    gen.draw_label_noise = lambda labels: (chance, classes)
    gen.draw_box_noise = lambda like: u
    labels, boxes, meta = gen.noised_groups(samples)
    for b, p, m in [(0, 0, 0), (0, 0, 1), (0, 1, 0), (0, 1, 1), (1, 0, 0), (1, 1, 0)]:
        label = meta['labels'][b, m]
        assert labels[b, p, m] == (classes[b, p, m] if chance[b, p, m] < gamma else label)
        cx, cy, w, h = meta['boxes'][b, m].tolist()
        du = u[b, p, m].tolist()
        expected = torch.tensor([cx + du[0] * l1 * w / 2, cy + du[1] * l1 * h / 2,
                                 w * (1 + du[2] * l2), h * (1 + du[3] * l2)]).clamp(0, 1)
        torch.testing.assert_close(boxes[b, p, m], expected)
    assert boxes[0, 1, 1, 2] == 1  # clamped


def test_noising_needs_no_host_device_synchronisation():
    """On the meta device any data-dependent host step (``.item()``, ``nonzero``, a
    label check on the host) fails; no index tensor is copied to it blocking."""
    gen = DnQueryGenerator(num_classes=6, embed_dims=8, max_dn_queries=6).to('meta')
    samples = make_samples([2, 0, 5])
    for sample in samples:
        sample.gt_instances = sample.gt_instances.to('meta')
    with HostToDeviceCopies() as copies:
        query, anchor, mask, meta = gen(samples, 10, mask_dtype=torch.float32)
    assert copies.blocking == []
    assert query.device.type == 'meta' and query.shape == (3, 5, 8) and mask.shape == (15, 15)
    assert meta['image_sizes'].shape == (3, 4) and meta['num_targets'] == 1 * (2 + 0 + 5)


def test_the_copy_recorder_sees_blocking_copies():
    with HostToDeviceCopies() as copies:
        torch.tensor([1, 2], device='meta')
        torch.zeros(2, device='meta').new_tensor([1.])
        torch.ones(2).to('meta')
        torch.ones(2).to('meta', non_blocking=True)
    assert copies.blocking == ['tensor', 'new_tensor', 'to']


def test_labels_on_an_accelerator_are_checked_only_when_asked():
    samples = make_samples([2])
    for sample in samples:
        sample.gt_instances = sample.gt_instances.to('meta')
        sample.gt_instances.labels = torch.full((2, ), 9, device='meta')
    DnQueryGenerator(num_classes=6, embed_dims=8).to('meta').noised_groups(samples)
    with pytest.raises(NotImplementedError):  # meta tensors cannot be read on the host
        DnQueryGenerator(num_classes=6, embed_dims=8, check_labels=True).to(
            'meta').noised_groups(samples)
