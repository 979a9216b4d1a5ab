"""Training parity with the official DN-DETR, kept by CI without the official code.

``tests/data/official_parity/dn_dab_detr_small.pt`` holds three training steps of a
small official DN-DAB-DETR (see its README for the command and the official commit);
this repository's model repeats them from the same weights, features, batches and
noise. The test also shows that it notices a changed loss weight, denoising normaliser
or box-noise formula.
"""
from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper

from mmdet.registry import MODELS
from mmdn.analysis.parity_fixture import check_fixture, small_dab_config, small_official_state
from mmdn.analysis.train_parity import default_dtype, encode_positions_in_model_dtype
from mmdn.converters import convert_official
from mmdn.models.dense_heads import dn_head_mixin

REPO = Path(__file__).resolve().parents[2]
FIXTURE = REPO / 'tests/data/official_parity/dn_dab_detr_small.pt'


@pytest.fixture(scope='module')
def fixture():
    return torch.load(FIXTURE, weights_only=False)


def repeat(fixture, loss_bbox_weight=5.0, steps=None):
    """This repository's small DN-DAB-DETR through the fixture's steps (the first
    ``steps``): its rows."""
    cfg = Config.fromfile(REPO / 'configs/dn_dab_detr_r50_50e.py')
    small_dab_config(cfg)
    cfg.model.bbox_head.loss_bbox.loss_weight = loss_bbox_weight
    with default_dtype(torch.float64):
        model = MODELS.build(cfg.model)
        state, _ = convert_official(small_official_state(fixture['seed']), 'dn_dab_detr')
        model.load_state_dict(state, strict=True)
        encode_positions_in_model_dtype(model)
        return check_fixture(fixture, model, build_optim_wrapper(model, cfg.optim_wrapper),
                             steps)


def failing(rows):
    return [r.quantity for r in rows if not (r.verdict.startswith('ok')
                                             or r.verdict == 'identical')]


def test_training_steps_match_the_official_code(fixture):
    rows = repeat(fixture)
    print('\n'.join(map(str, rows)))
    assert not failing(rows), '\n'.join(map(str, rows))
    assert [r.quantity for r in rows][:2] == ['assignments', 'denoising queries']


def test_a_changed_loss_weight_is_caught(fixture):
    assert 'loss terms' in failing(repeat(fixture, loss_bbox_weight=4.0, steps=1))


def test_a_changed_denoising_normaliser_is_caught(fixture, monkeypatch):
    # As if the denoising losses were divided by the count summed over two ranks.
    monkeypatch.setattr(dn_head_mixin, 'reduce_mean', lambda x: x * 2)
    assert 'loss terms' in failing(repeat(fixture, steps=1))


def test_a_changed_box_noise_formula_is_caught(fixture, monkeypatch):
    from mmdn.models.layers.dn_query_generator import DnBoxNoiser
    apply = DnBoxNoiser.apply_box_noise

    def centre_shift_of_a_whole_width(self, boxes):  # λ1 w instead of λ1 w / 2
        self.noise_scale[:2] = self.center_noise_scale
        return apply(self, boxes)

    monkeypatch.setattr(DnBoxNoiser, 'apply_box_noise', centre_shift_of_a_whole_width)
    assert 'denoising queries' in failing(repeat(fixture, steps=1))
