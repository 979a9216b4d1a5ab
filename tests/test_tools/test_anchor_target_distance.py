"""tools/analysis/anchor_target_distance.py on a randomly initialised demo checkpoint."""
import re

import pytest
import torch
from mmengine.config import Config

from mmdet.registry import MODELS
from ..conftest import REPO, data_options, run_script


@pytest.mark.parametrize('name,boxes', [('dn_dab_detr_r18_demo.py', True),
                                        ('anchor_detr_r18_demo.py', False)])
def test_reports_the_distance_and_draws_arrows(demo_data, tmp_path, name, boxes):
    config = REPO / 'configs/demo' / name
    model = MODELS.build(Config.fromfile(config).model)
    checkpoint = tmp_path / 'random.pth'
    torch.save(dict(state_dict=model.state_dict(), meta=dict()), checkpoint)
    out = tmp_path / 'plots'
    proc = run_script(['tools/analysis/anchor_target_distance.py', str(config), str(checkpoint),
                       '--num-images', '3', '--plot', '2', '--out-dir', str(out),
                       '--cfg-options', *data_options(demo_data)])
    assert proc.returncode == 0, proc.stderr[-3000:]
    matches = int(re.search(r'(\d+) matched queries on 3 images', proc.stdout).group(1))
    assert matches > 0
    assert bool(re.search(r'target, \(cx, cy, w, h\): \d\.\d{4}; centres: \d\.\d{4}',
                          proc.stdout)) == boxes
    assert re.search(r'mean L1 distance anchor -> target, .*centres: \d\.\d{4}', proc.stdout)
    assert len(list(out.glob('*.png'))) == 2


def test_detr_without_anchors_is_refused(demo_data, tmp_path):
    config = REPO / 'configs/demo/detr_r18_demo.py'
    model = MODELS.build(Config.fromfile(config).model)
    checkpoint = tmp_path / 'random.pth'
    torch.save(dict(state_dict=model.state_dict(), meta=dict()), checkpoint)
    proc = run_script(['tools/analysis/anchor_target_distance.py', str(config), str(checkpoint),
                       '--num-images', '1', '--out-dir', str(tmp_path / 'plots'),
                       '--cfg-options', *data_options(demo_data)])
    assert proc.returncode != 0 and 'has no anchors' in proc.stderr
    assert not (tmp_path / 'plots').exists()  # nothing written
