"""tools/analysis/convergence_summary.py on hand-written compare_convergence summaries."""
import json

import matplotlib.image as mpimg

from ..conftest import run_script


def _summary(work_dir, seeds, base_ap, dn_ap, reached, instability=((5.5, 0.1), (4.9, 0.2))):
    work_dir.mkdir()
    epochs = range(2, 2 * len(base_ap) + 1, 2)
    summary = {'seeds': seeds, 'configs': dict(baseline='a.py', dn='dn_a.py'),
               'coco/bbox_mAP': {'baseline': [[e, m, s] for e, (m, s) in zip(epochs, base_ap)],
                                 'dn': [[e, m, s] for e, (m, s) in zip(epochs, dn_ap)],
                                 'dn_reaches_baseline_final': reached},
               'matching_instability': {'baseline': [[14, *instability[0]]],
                                        'dn': [[14, *instability[1]]],
                                        'dn_reaches_baseline_final': None}}
    (work_dir / 'summary.json').write_text(json.dumps(summary))
    return work_dir


def test_one_row_a_comparison_and_band_panels(tmp_path):
    first = _summary(tmp_path / 'one', [0, 1, 2], [(0.1, 0.01), (0.3, 0.02)],
                     [(0.2, 0.03), (0.35, 0.004)], reached=2)
    second = _summary(tmp_path / 'two', [0], [(0.1, 0.0), (0.2, 0.0)],
                      [(0.05, 0.0), (0.15, 0.0)], reached=None)
    out = tmp_path / 'plots'
    proc = run_script(['tools/analysis/convergence_summary.py', str(first), str(second),
                       '--titles', 'pair A', 'pair B', '--out-dir', str(out)])
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = proc.stdout.splitlines()
    assert lines[2] == ('| pair A | 0, 1, 2 | 4 | 0.300 ± 0.020 | 0.350 ± 0.004 | +0.050 | '
                        '2 of 4 | 5.50 / 4.90 |')
    assert lines[3] == '| pair B | 0 | 4 | 0.200 | 0.150 | -0.050 | never | 5.50 / 4.90 |'
    # two panels a row, 4.5 x 3.2 inches each at 100 dpi
    assert mpimg.imread(out / 'ap_panels.png').shape[:2] == (320, 900)
    assert (out / 'instability_panels.png').is_file()


def test_a_mask_comparison_without_instability(tmp_path):
    masks = _summary(tmp_path / 'masks', [0, 1], [(0.3, 0.01)], [(0.32, 0.02)], reached=2)
    summary = json.loads((masks / 'summary.json').read_text())
    summary['metric'] = 'coco/segm_mAP'
    summary['coco/segm_mAP'] = summary.pop('coco/bbox_mAP')
    del summary['matching_instability']
    (masks / 'summary.json').write_text(json.dumps(summary))
    out = tmp_path / 'plots'
    proc = run_script(['tools/analysis/convergence_summary.py', str(masks), '--titles',
                       'M2F', '--out-dir', str(out)])
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.splitlines()[2] == ('| M2F (coco/segm_mAP) | 0, 1 | 2 | 0.300 ± 0.010 | '
                                           '0.320 ± 0.020 | +0.020 | 2 of 2 | — |')
    assert (out / 'ap_panels.png').is_file() and not (out / 'instability_panels.png').exists()


def test_a_dir_without_summary_is_named(tmp_path):
    proc = run_script(['tools/analysis/convergence_summary.py', str(tmp_path)])
    assert proc.returncode != 0
    assert f"{tmp_path / 'summary.json'} not found" in proc.stderr
