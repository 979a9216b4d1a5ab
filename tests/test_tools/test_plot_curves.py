"""tools/analysis/plot_curves.py on synthetic scalar logs."""
import json

import matplotlib.image as mpimg

from mmdn.analysis.curves import all_scalars, plot_panels, read_curve
from ..conftest import run_script


def _run_dir(root, name, ap, instability):
    vis = root / name / '20260101_000000' / 'vis_data'
    vis.mkdir(parents=True)
    lines = [dict(loss=2.0, epoch=1, iter=1, step=1)]  # a training line: not a point
    lines += [{'coco/bbox_mAP': v, 'step': e} for e, v in enumerate(ap, 1)]
    lines += [{'matching_instability': v, 'step': e} for e, v in enumerate(instability, 2)]
    (vis / 'scalars.json').write_text('\n'.join(json.dumps(x) for x in lines) + '\n')
    return root / name


def test_plots_ap_and_instability_per_epoch(tmp_path):
    dab = _run_dir(tmp_path, 'dab', [0.01, 0.02, 0.03], [6.0, 5.5])
    dn = _run_dir(tmp_path, 'dn', [0.02, 0.04, 0.05], [3.0, 2.0])
    out = tmp_path / 'curves'
    proc = run_script(['tools/analysis/plot_curves.py', str(dab), str(dn), '--labels', 'DAB',
                       'DN', '--keys', 'coco/bbox_mAP', 'matching_instability', '--out-dir',
                       str(out)])
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert 'DN: 1: 0.0200, 2: 0.0400, 3: 0.0500' in proc.stdout
    assert 'DAB: 2: 6.0000, 3: 5.5000' in proc.stdout
    for name in ('coco_bbox_mAP.png', 'matching_instability.png'):
        assert (out / name).read_bytes()[:4] == b'\x89PNG'


def test_a_dir_without_logs_is_named(tmp_path):
    proc = run_script(['tools/analysis/plot_curves.py', str(tmp_path)])
    assert proc.returncode != 0 and f'{tmp_path}: no vis_data/scalars.json' in proc.stderr


def test_panels_lay_out_one_subplot_a_pair_in_rows_of_three(tmp_path):
    curves = {'baseline': [(1, 0.1), (2, 0.2)], 'dn': [(1, 0.15), (2, 0.3)]}
    out = tmp_path / 'pairs.png'
    plot_panels({f'pair{i}': curves for i in range(4)}, 'coco/bbox_mAP', out)
    # 4 panels, 3 a row: 2 rows of 4.5 x 3.2 inches at 100 dpi
    assert mpimg.imread(out).shape[:2] == (640, 1350)


def test_a_resumed_training_is_read_in_order_later_values_winning(tmp_path):
    """A work dir with a training (epochs 1-3) and its resumption from epoch 2's checkpoint
    (epoch 3 logged again, then 4): one curve."""
    first = _run_dir(tmp_path, 'work', [0.1, 0.2, 0.3], [])
    later = tmp_path / 'work' / '20260102_000000' / 'vis_data'
    later.mkdir(parents=True)
    later.joinpath('scalars.json').write_text(
        json.dumps({'coco/bbox_mAP': 0.35, 'step': 3}) + '\n'
        + json.dumps({'coco/bbox_mAP': 0.4, 'step': 4}) + '\n')
    scalars = all_scalars(first)
    assert [p.parents[1].name for p in scalars] == ['20260101_000000', '20260102_000000']
    assert read_curve(scalars, 'coco/bbox_mAP') == [(1, 0.1), (2, 0.2), (3, 0.35), (4, 0.4)]
    assert read_curve(scalars[:1], 'coco/bbox_mAP')[-1] == (3, 0.3)  # the first part alone
