"""Every demo model gives the training losses and the detections it gave when
``tests/data/model_outputs/demo_models.pt`` was recorded: refactoring a detector, a head
or the generator must not change a number.

Each model is built seeded from its demo config (the demo configs start from scratch),
then gets one seeded training batch (three images, one
without objects, masks where the model segments) with seeded noise, and its predictions
on that batch in evaluation. A new demo config is recorded with ``--write``; all are
recorded anew with ``--rewrite`` (only when a change of numbers is intended: say which in
the commit)::

    python -m tests.test_models.test_detectors.test_outputs_unchanged --write
"""
import argparse
from pathlib import Path
from typing import Dict

import pytest
import torch

from mmdet.utils import register_all_modules
from ..utils import REPO, add_box_masks, build_config_model, make_samples

RECORD = REPO / 'tests' / 'data' / 'model_outputs' / 'demo_models.pt'
DEMO_CONFIGS = sorted(str(p.relative_to(REPO)) for p in (REPO / 'configs' / 'demo').glob('*.py'))
COUNTS = (3, 0, 5)


def model_outputs(config: str) -> Dict[str, torch.Tensor]:
    """``loss.<name>`` for every loss term and ``pred.<i>.<field>`` for the detections
    of image i (scores, labels, boxes; the sum of each mask)."""
    model = build_config_model(config)
    samples = add_box_masks(make_samples(COUNTS, seed=1))
    inputs = torch.rand(len(COUNTS), 3, 64, 80, generator=torch.Generator().manual_seed(1))
    model.train()
    torch.manual_seed(2)
    losses = model.loss(inputs, samples)
    out = {f'loss.{k}': torch.stack(v).sum() if isinstance(v, list) else v.detach()
           for k, v in losses.items()}
    model.eval()
    with torch.no_grad():
        results = model.predict(inputs, samples, rescale=False)
    for i, result in enumerate(results):
        pred = result.pred_instances
        out[f'pred.{i}.scores'] = pred.scores
        out[f'pred.{i}.labels'] = pred.labels
        out[f'pred.{i}.bboxes'] = pred.bboxes
        if 'masks' in pred:
            out[f'pred.{i}.masks'] = pred.masks.flatten(1).sum(1)
    return out


@pytest.fixture(scope='module')
def record() -> Dict[str, Dict[str, torch.Tensor]]:
    return torch.load(RECORD)


def test_every_demo_model_is_recorded(record):
    assert sorted(record) == DEMO_CONFIGS


@pytest.mark.parametrize('config', DEMO_CONFIGS)
def test_losses_and_detections_are_unchanged(config, record):
    expected, actual = record[config], model_outputs(config)
    assert sorted(actual) == sorted(expected)
    for key, value in expected.items():
        if value.is_floating_point():
            torch.testing.assert_close(actual[key], value, rtol=1e-5, atol=1e-6,
                                       msg=lambda m, k=key: f'{config}: {k}: {m}')
        else:
            assert torch.equal(actual[key], value), f'{config}: {key}'


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--write', action='store_true',
                        help=f'record the demo models {RECORD} lacks')
    parser.add_argument('--rewrite', action='store_true', help='record every demo model anew')
    args = parser.parse_args()
    if args.write or args.rewrite:
        register_all_modules(init_default_scope=True)
        record = {} if args.rewrite or not RECORD.exists() else torch.load(RECORD)
        for config in DEMO_CONFIGS:
            if config not in record:
                record[config] = model_outputs(config)
                print(f'recorded {config}')
        RECORD.parent.mkdir(parents=True, exist_ok=True)
        torch.save({config: record[config] for config in DEMO_CONFIGS}, RECORD)
        print(f'wrote {RECORD} ({Path(RECORD).stat().st_size} bytes)')


if __name__ == '__main__':
    main()
