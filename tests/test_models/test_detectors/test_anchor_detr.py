"""Anchor DETR and DN-Anchor-DETR specifics; the DN contract is in test_dn_detector_mixin."""
from pathlib import Path

import torch
from mmengine.config import Config

from mmdet.registry import MODELS
from ..utils import make_samples

REPO = Path(__file__).resolve().parents[3]


def build(config):
    torch.manual_seed(0)
    model = MODELS.build(Config.fromfile(REPO / 'configs/demo' / config).model)
    model.init_weights()
    return model


def test_queries_are_pattern_major_and_init_as_official():
    model = build('anchor_detr_r18_demo.py')
    points, patterns = model.anchor_points.weight, model.pattern_embedding.weight
    assert (points >= 0).all() and (points <= 1).all()
    assert torch.equal(model.bbox_head.fc_reg.layers[-1].bias, torch.tensor([0., 0., -2., -2.]))
    dec_in, head_in = model.pre_decoder(torch.zeros(2, 3, 4, model.embed_dims))
    num_points, num_patterns = len(points), len(patterns)
    assert dec_in['query'].shape == (2, num_points * num_patterns, model.embed_dims)
    for p in range(num_patterns):
        for n in (0, num_points - 1):
            assert torch.equal(dec_in['query'][1, p * num_points + n], patterns[p])
            assert torch.equal(dec_in['anchors'][1, p * num_points + n], points[n])
    assert head_in == {}


def test_padding_mask_and_map_positions():
    model = build('anchor_detr_r18_demo.py')
    samples = make_samples([1, 1], img_shape=(64, 96))
    samples[1].set_metainfo(dict(img_shape=(64, 48)))  # right half is padding
    feat = torch.randn(2, model.embed_dims, 4, 6)
    enc_in, dec_in = model.pre_transformer((feat, ), samples)
    assert enc_in['query'].shape == (2, 4, 6, model.embed_dims)
    mask = enc_in['key_padding_mask']
    assert not mask[0].any() and mask[1, :, 3:].all() and not mask[1, :, :3].any()
    # Column x of the unpadded 3 has centre (x + 0.5) / 3 in image 1, (x + 0.5) / 6 in 0.
    from mmdn.models.layers import sine_embedding_1d
    expect = model.adapt_pos1d(sine_embedding_1d(torch.tensor([0.5, 1.5, 2.5]) / 3,
                                                 model.embed_dims))
    torch.testing.assert_close(enc_in['pos_x'][1, :3], expect)
    assert not torch.allclose(enc_in['pos_x'][0, :3], expect)
    assert dec_in['key_padding_mask'] is mask


def test_dn_anchors_are_the_noised_centres():
    model = build('dn_anchor_detr_r18_demo.py')
    model.train()
    samples = make_samples([3, 2])
    memory = torch.zeros(2, 3, 4, model.embed_dims)
    dec_in, head_in = model.pre_decoder(memory, batch_data_samples=samples)
    meta = head_in['dn_meta']
    num_groups, group_size = meta['num_groups'], meta['group_size']
    assert (num_groups, group_size) == (5, 3)
    num_dn = num_groups * group_size
    assert dec_in['anchors'].shape == (2, num_dn + 30, 2)  # L = 10 points x 3 patterns
    dn_points = dec_in['anchors'][:, :num_dn].view(2, num_groups, group_size, 2)
    boxes = meta['boxes'][:, None]  # (bs, 1, M, 4) normalised (cx, cy, w, h)
    shift = (dn_points - boxes[..., :2]).abs()
    valid = meta['valid'][:, None, :, None]
    # |Δx| < λ1 w / 2, |Δy| < λ1 h / 2 (λ1 = 0.4), and the points are not all unshifted.
    assert ((shift <= 0.2 * boxes[..., 2:] + 1e-5) | ~valid).all()
    assert shift[valid.expand_as(shift)].max() > 0
    assert dec_in['self_attn_mask'].shape == (num_dn + 30, num_dn + 30)
