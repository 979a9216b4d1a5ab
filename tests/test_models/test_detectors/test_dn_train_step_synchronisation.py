"""Denoising adds no host-device synchronisation to a train step (counted on the CPU:
the operators that wait for a device's results when run on one)."""
import collections
from pathlib import Path

import pytest
import torch
from mmengine.config import Config

from mmdet.registry import MODELS

from ..utils import add_box_masks, make_samples

REPO = Path(__file__).resolve().parents[3]
SYNCHRONISING = ('aten::_local_scalar_dense', 'aten::item', 'aten::is_nonzero',
                 'aten::nonzero')
# (baseline, DN) demo configs.
PAIRS = [('dab_detr_r18_demo', 'dn_dab_detr_r18_demo'), ('detr_r18_demo', 'dn_detr_r18_demo'),
         ('dab_deformable_detr_r18_demo', 'dn_deformable_detr_r18_demo'),
         ('dab_deformable_detr_pp_r18_demo', 'dn_deformable_detr_pp_r18_demo'),
         ('dino_r18_nodn_demo', 'dn_dino_r18_demo'),
         ('anchor_detr_r18_demo', 'dn_anchor_detr_r18_demo'),
         ('faster_rcnn_r18_demo', 'dn_faster_rcnn_r18_demo'),
         ('group_dab_detr_r18_demo', 'dn_group_dab_detr_r18_demo'),
         ('sam_detr_pp_r18_demo', 'dn_sam_detr_pp_r18_demo'),
         ('mask2former_r18_demo', 'dn_mask2former_r18_demo'),
         ('mask_dino_r18_demo_no_mask_dn', 'mask_dino_r18_demo')]


def synchronising_operators(config: str) -> collections.Counter:
    """The synchronising operators of one train step (losses and backward)."""
    cfg = Config.fromfile(REPO / 'configs' / 'demo' / f'{config}.py')
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    model.train()
    samples = make_samples([3, 1])
    if 'mask' in config:
        add_box_masks(samples)
    inputs = torch.rand(2, 3, 64, 80, generator=torch.Generator().manual_seed(0))
    with torch.profiler.profile() as prof:
        loss, _ = model.parse_losses(model.loss(inputs, samples))
        loss.backward()
    counts = collections.Counter(e.name for e in prof.events())
    return collections.Counter({name: counts[name] for name in SYNCHRONISING})


@pytest.mark.parametrize('baseline, dn', PAIRS)
def test_dn_adds_no_synchronising_operator(baseline, dn):
    assert synchronising_operators(dn) == synchronising_operators(baseline)
