"""Denoising adds no host-device synchronisation to a train step (counted on the CPU:
the operators that wait for a device's results when run on one)."""
import collections
from pathlib import Path

import pytest
import torch
from mmengine.config import Config

from mmdet.registry import MODELS
from ...dn_models import dn_demo_pairs
from ..utils import add_box_masks, make_samples

REPO = Path(__file__).resolve().parents[3]
SYNCHRONISING = ('aten::_local_scalar_dense', 'aten::item', 'aten::is_nonzero',
                 'aten::nonzero')


def synchronising_operators(config: str) -> collections.Counter:
    """The synchronising operators of one train step (losses and backward)."""
    cfg = Config.fromfile(REPO / config)
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


@pytest.mark.parametrize('baseline, dn', dn_demo_pairs())
def test_dn_adds_no_synchronising_operator(baseline, dn):
    assert synchronising_operators(dn) == synchronising_operators(baseline)
