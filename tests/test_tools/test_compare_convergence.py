"""tools/analysis/compare_convergence.py: the statistics by hand, and two seeds of a pair
end to end on a tiny schedule."""
import json
import math

import pytest

from mmdn.analysis.convergence import (
    band_of,
    convergence_table,
    distance_table,
    first_epoch_reaching,
    mean_and_sd,
    wrapped_config,
)
from ..conftest import REPO, data_options, run_tool


def test_first_epoch_reaching():
    curve = [(1, 0.01), (2, 0.03), (3, 0.02), (4, 0.05)]
    assert first_epoch_reaching(curve, 0.03) == 2
    assert first_epoch_reaching(curve, 0.06) is None
    assert first_epoch_reaching([(1, 0.01, 0.5), (2, 0.04, 0.0)], 0.03) == 2  # (e, mean, sd)


def test_mean_and_sample_sd_over_the_epochs_every_seed_has():
    band = mean_and_sd([[(1, 0.1), (2, 0.3)], [(1, 0.3), (2, 0.5), (3, 0.9)]])
    assert [row[0] for row in band] == [1, 2]
    assert band[0][1] == pytest.approx(0.2) and band[1][1] == pytest.approx(0.4)
    assert band[0][2] == pytest.approx(math.sqrt(0.02))  # n - 1 in the denominator
    assert mean_and_sd([[(1, 0.25)]]) == [(1, 0.25, 0.0)]


def test_table_rows_and_the_epoch_dn_mean_reaches_the_baseline_final_mean():
    bands = {'baseline': [(2, 0.10, 0.01), (4, 0.20, 0.02), (6, 0.30, 0.03)],
             'dn': [(2, 0.15, 0.01), (4, 0.31, 0.05), (6, 0.32, 0.00)]}
    rows, reached = convergence_table(bands, seeds=3)
    assert rows[0] == ['2', '0.100 ± 0.010', '0.150 ± 0.010', '+0.050']
    assert reached == 4
    rows, reached = convergence_table({'baseline': bands['baseline'],
                                       'dn': bands['baseline'][:2]}, seeds=1)
    assert rows[1] == ['4', '0.200', '0.200', '+0.000'] and reached is None


def test_distance_table_mean_and_sd_over_seeds_and_no_box_column_for_points():
    distances = {'baseline': [dict(box=0.5, centre=0.2), dict(box=0.7, centre=0.4)],
                 'dn': [dict(centre=0.1), dict(centre=0.3)]}
    rows = distance_table(distances, {'baseline': 'a', 'dn': 'b'})
    assert rows == [['a', '0.600 ± 0.141', '0.300 ± 0.141'], ['b', '—', '0.200 ± 0.141']]


def test_a_result_without_the_metric_names_its_seed():
    results = [dict(seed=0, curves={'coco/bbox_mAP': [[1, 0.1]]}),
               dict(seed=1, curves={'coco/segm_mAP': [[1, 0.2]]})]
    assert band_of(results[:1], 'coco/bbox_mAP') == [(1, 0.1, 0.0)]
    with pytest.raises(KeyError, match=r"seed 1: no coco/bbox_mAP curve .*another --metric"):
        band_of(results, 'coco/bbox_mAP')


@pytest.mark.parametrize('instability', [True, False])
def test_wrapped_config_sets_seed_validation_checkpoints_and_the_hook(tmp_path, instability):
    from mmengine.config import Config
    config = str(REPO / 'configs/demo/mask2former_r18_demo.py')
    cfg = Config.fromfile(wrapped_config(config, tmp_path, 3, 4, instability))
    assert cfg.randomness.seed == 3 and cfg.train_cfg.val_interval == 4
    assert cfg.default_hooks.checkpoint.interval == 1
    assert cfg.default_hooks.checkpoint.max_keep_ckpts == 1
    assert cfg.train_cfg.max_epochs == Config.fromfile(config).train_cfg.max_epochs
    hooks = [h['type'] for h in cfg.get('custom_hooks', [])]
    assert hooks.count('MatchingInstabilityHook') == int(instability)
    assert hooks.count('ValidateResumedEpochHook') == 1


def test_trains_each_config_once_a_seed_and_continues(demo_data, tmp_path):
    args = ['tools/analysis/compare_convergence.py',
            'configs/demo/dab_detr_r18_fast_demo.py',
            'configs/demo/dn_dab_detr_r18_fast_demo.py', '--work-dir', str(tmp_path),
            '--seeds', '0', '1', '--jobs', '2', '--cfg-options', *data_options(demo_data),
            'train_cfg.max_epochs=2', '--anchor-distance']
    proc = run_tool(args)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "The baseline's final mean AP" in proc.stdout and ' ± ' in proc.stdout
    for name in ('coco_bbox_mAP.png', 'matching_instability.png'):
        assert (tmp_path / name).is_file()
    summary = json.loads((tmp_path / 'summary.json').read_text())
    assert [row[0] for row in summary['coco/bbox_mAP']['dn']] == [1, 2]
    assert [row[0] for row in summary['matching_instability']['baseline']] == [2]
    assert 'Anchor-target distance' in proc.stdout
    for run in ('baseline', 'dn'):
        distances = summary['anchor_distance'][run]
        assert len(distances) == 2 and all(d['matched'] > 0 for d in distances)
        assert all(0 < d['centre'] < d['box'] < 4 for d in distances)
    for run in ('baseline', 'dn'):
        for seed in (0, 1):
            train_dir = tmp_path / run / f'seed{seed}' / 'train'
            config = next(train_dir.glob('2*/vis_data/config.py')).read_text()
            assert f'seed={seed}' in config.replace(' ', '')
            assert "type='MatchingInstabilityHook'" in config
    again = run_tool(args)  # every run has its result: nothing trains again
    assert again.returncode == 0, again.stderr[-3000:]
    assert again.stdout == proc.stdout
    assert len(list((tmp_path / 'dn' / 'seed1' / 'train').glob('2*'))) == 1
