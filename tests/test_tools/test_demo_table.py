"""tools/analysis/demo_table.py: a table row by hand, and one pair end to end on tiny data."""
import json
import runpy

from mmdn.analysis.convergence import pair_row
from ..conftest import REPO, data_options, run_tool


def _result(curve, epochs):
    return dict(epochs=epochs, curves={'coco/bbox_mAP': curve})


def test_pair_row():
    baseline = _result([(1, 0.01), (2, 0.05), (3, 0.08)], 3)
    dn = _result([(1, 0.02), (2, 0.09), (3, 0.12)], 3)
    assert pair_row('dab_detr', baseline, dn) == [
        'dab_detr', '3', '0.080', '0.120', '+0.040', '2 of 3']  # reached at epoch 2
    # DN below its baseline throughout
    assert pair_row('detr', dn, baseline)[-2:] == ['-0.040', 'not reached']


def test_every_pair_is_a_baseline_and_its_dn_config():
    pairs = runpy.run_path(str(REPO / 'tools' / 'analysis' / 'demo_table.py'))['PAIRS']
    for baseline, dn in pairs.values():
        assert (REPO / 'configs' / 'demo' / baseline).is_file()
        assert (REPO / 'configs' / 'demo' / dn).is_file() and dn.startswith('dn_')
        assert f"_base_ = './{baseline}'" in (REPO / 'configs' / 'demo' / dn).read_text()


def test_one_pair_same_seed_same_epochs_curves_and_table(demo_data, tmp_path):
    proc = run_tool(['tools/analysis/demo_table.py', '--pairs', 'dab_detr_fast', '--minutes',
                     '0.02', '--timing-iters', '20', '--work-dir', str(tmp_path),
                     '--cfg-options', *data_options(demo_data, batch_size=2, num_train=4)])
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    budget = json.loads((tmp_path / 'dab_detr_fast' / 'budget.json').read_text())
    results = [json.loads((tmp_path / 'dab_detr_fast' / run / 'result.json').read_text())
               for run in ('baseline', 'dn')]
    for result in results:
        assert result['epochs'] == budget['epochs'] and result['seed'] == 0
        assert len(result['curves']['coco/bbox_mAP']) == budget['epochs']
    row = pair_row('dab_detr_fast', *results)
    assert '| ' + ' | '.join(row) + ' |' in proc.stdout
    assert (tmp_path / 'dab_detr_fast.png').stat().st_size > 0
    assert (tmp_path / 'pairs.png').stat().st_size > 0
