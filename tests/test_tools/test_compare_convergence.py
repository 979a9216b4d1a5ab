"""tools/analysis/compare_convergence.py end to end on a tiny schedule."""
import sys
from pathlib import Path

from ..conftest import data_options, run_tool

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / 'tools' / 'analysis'))
from compare_convergence import first_epoch_reaching  # noqa: E402


def test_first_epoch_reaching():
    curve = [(1, 0.01), (2, 0.03), (3, 0.02), (4, 0.05)]
    assert first_epoch_reaching(curve, 0.03) == 2
    assert first_epoch_reaching(curve, 0.06) is None


def test_trains_both_with_one_seed_and_plots(demo_data, tmp_path):
    proc = run_tool(['tools/analysis/compare_convergence.py',
                     'configs/demo/dab_detr_r18_demo.py', 'configs/demo/dn_dab_detr_r18_demo.py',
                     '--work-dir', str(tmp_path), '--cfg-options',
                     *data_options(demo_data), 'train_cfg.max_epochs=2'])
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "The baseline's final AP" in proc.stdout
    assert 'baseline: 1: ' in proc.stdout and 'dn: 1: ' in proc.stdout
    for name in ('coco_bbox_mAP.png', 'matching_instability.png'):
        assert (tmp_path / name).is_file()
    for run in ('baseline', 'dn'):
        config = next((tmp_path / run).glob('2*/vis_data/config.py')).read_text()
        assert 'seed=0' in config.replace(' ', '')
