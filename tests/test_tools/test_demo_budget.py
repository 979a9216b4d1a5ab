"""tools/analysis/demo_budget.py: the budget arithmetic, and an end-to-end run on tiny data."""
import json
from pathlib import Path

import pytest
from mmengine.config import Config

from mmdn.analysis import runs
from mmdn.analysis.runs import epochs_in_budget, scaled_schedule
from ..conftest import REPO, data_options, run_tool


def test_epochs_in_budget():
    assert epochs_in_budget(1.0, 63, 15) == 14  # 900 s / 63 s
    assert epochs_in_budget(0.5, 63, 15) == 28
    assert epochs_in_budget(30.0, 63, 15) == 1  # at least one epoch
    with pytest.raises(ValueError, match='bad budget'):
        epochs_in_budget(0.0, 63, 15)


def test_scaled_schedule_keeps_the_milestones_relative_position():
    demo = [dict(type='MultiStepLR', begin=0, end=12, by_epoch=True, milestones=[10],
                 gamma=0.1)]
    assert scaled_schedule(demo, 12, 24) == [
        dict(type='MultiStepLR', begin=0, end=24, by_epoch=True, milestones=[20], gamma=0.1)]
    assert scaled_schedule(demo, 12, 6)[0]['milestones'] == [5]
    assert scaled_schedule(demo, 12, 1)[0]['milestones'] == [1]
    assert demo[0]['milestones'] == [10]  # the config's own list is left alone
    with pytest.raises(ValueError, match='iteration-based'):
        scaled_schedule([dict(type='LinearLR', by_epoch=False, end=500)], 12, 6)


def test_a_training_stopped_part_way_resumes_and_appends_to_its_log(tmp_path, monkeypatch):
    """train_side_by_side: --resume where the run's train dir has a last_checkpoint."""
    commands = []

    class Finished:
        returncode = 0

        def __init__(self, cmd, stdout, **kwargs):
            commands.append((cmd, stdout.mode))

        def wait(self):
            return 0

    monkeypatch.setattr(runs.subprocess, 'Popen', Finished)
    fresh, stopped = tmp_path / 'fresh', tmp_path / 'stopped'
    (stopped / 'train').mkdir(parents=True)
    (stopped / 'train' / 'last_checkpoint').write_text(str(stopped / 'train/epoch_4.pth'))
    done = []
    runs.train_side_by_side(
        [(run, lambda: tmp_path / 'c.py') for run in (fresh, stopped)], 1, ['a=1'],
        done.append)
    assert done == [fresh, stopped]
    (fresh_cmd, fresh_mode), (stopped_cmd, stopped_mode) = commands
    assert '--resume' not in fresh_cmd and fresh_mode == 'w'
    assert '--resume' in stopped_cmd and stopped_cmd[-2:] == ['--cfg-options', 'a=1']
    assert stopped_mode == 'a'


def test_times_then_trains_each_config_on_its_budget(demo_data, tmp_path):
    """Two configs (the fast DAB-DETR pair): each gets the epochs its timed speed fits in
    the budget, trains seeded with its schedule scaled, and a second call reuses the
    results."""
    configs = ['configs/demo/dab_detr_r18_fast_demo.py',
               'configs/demo/dn_dab_detr_r18_fast_demo.py']
    cmd = ['tools/analysis/demo_budget.py', *configs, '--minutes', '0.02', '--work-dir',
           str(tmp_path), '--timing-iters', '20', '--jobs', '2', '--cfg-options',
           *data_options(demo_data, batch_size=2, num_train=4)]
    proc = run_tool(cmd)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    for config in configs:
        name = Path(config).stem
        result = json.loads((tmp_path / name / 'result.json').read_text())
        assert result['iters_per_epoch'] == 2 and result['seconds_per_iter'] > 0
        expected = epochs_in_budget(result['seconds_per_iter'], 2, 0.02)
        assert result['epochs'] == expected
        assert [e for e, _ in result['curves']['coco/bbox_mAP']] == \
            list(range(1, expected + 1))
        timing = next((tmp_path / name / 'timing').glob('2*/vis_data/scalars.json'))
        assert sum('"time"' in line for line in timing.read_text().splitlines()) >= 20
        wrapped = ''.join(next((tmp_path / name / 'train').glob('2*/vis_data/config.py'))
                          .read_text().split())
        assert 'seed=0' in wrapped
        assert "type='ValidateResumedEpochHook'" in wrapped
        schedule = Config.fromfile(REPO / config)
        milestone = round(schedule.param_scheduler[0].milestones[0] * expected /
                          schedule.train_cfg.max_epochs)
        assert f'milestones=[{max(1, milestone)},]' in wrapped
        assert f'`{config}`' in proc.stdout
    again = run_tool(cmd)
    assert again.returncode == 0 and 'epochs in' not in again.stdout  # nothing re-run
    assert again.stdout.split('seed 0:')[1] == proc.stdout.split('seed 0:')[1]
