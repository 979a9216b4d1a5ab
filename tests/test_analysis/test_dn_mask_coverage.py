"""first_layer_rows and empty_shares: DN-Mask2Former's first-layer denoising masks."""
import math

import pytest
import torch

from mmdn.analysis import empty_shares, first_layer_rows
from ..test_models.utils import build_config_model, mask_samples

H, W = 96, 128  # padded batch; the stride-32 map is 3 x 4


def test_rows_of_every_real_query_by_its_object():
    """Image 0 (full frame): a 12 x 12 px object inside cell (1, 2), then a 64 x 64 one
    covering four cells; image 1 (72 x 100 px of the frame): one 6 x 10 px object in its
    bottom-left cell, which lies mostly in padding. No shift: the small objects cover no
    cell by half, yet the head leaves none of them attending everywhere."""
    head = build_config_model('configs/demo/dn_mask2former_r18_demo.py').panoptic_head
    masks = torch.zeros(2, 2, H, W, dtype=torch.uint8)
    masks[0, 0, 40:52, 70:82] = 1
    masks[0, 1, 0:64, 0:64] = 1
    masks[1, 0, 66:72, 20:30] = 1
    samples = mask_samples([2, 1], (H, W), img_shapes=[(H, W), (72, 100)],
                           masks=[masks[0], masks[1, :1]])
    head.dn_generator.center_noise_scale = 0.  # the masks stay where they are
    rows = first_layer_rows(head, samples, (3, 4))
    # Per object, its 5 groups' queries: image 0's two objects, then image 1's.
    assert rows['area'].tolist() == [144.] * 5 + [4096.] * 5 + [60.] * 5
    assert rows['empty_at_half'].tolist() == [True] * 5 + [False] * 5 + [True] * 5
    assert not rows['empty'].any()


def test_shares_by_object_size():
    batches = [dict(area=torch.tensor([100., 500., 2000.]),
                    empty_at_half=torch.tensor([True, False, True]),
                    empty=torch.tensor([False, False, False])),
               dict(area=torch.tensor([1024., 20000.]),
                    empty_at_half=torch.tensor([False, False]),
                    empty=torch.tensor([True, False]))]
    table = empty_shares(batches)
    assert [row[:2] for row in table] == [('small', 2), ('medium', 2), ('large', 1),
                                         ('all', 5)]
    assert table[0][2:] == (0.5, 0.0)
    assert table[1][2:] == (0.5, 0.5)  # 1024 px = 32² is medium, as COCO bins it
    assert table[2][2:] == (0.0, 0.0)
    assert table[3][2:] == pytest.approx((0.4, 0.2))
    assert all(math.isnan(v) for v in empty_shares([dict(
        area=torch.tensor([5000.]), empty_at_half=torch.tensor([True]),
        empty=torch.tensor([True]))])[2][2:])
