"""tools/analysis/benchmark_dn_memory.py (run in-process; it starts a process a model and
count): its table, and
overrides of both models or of the DN one (its figures are not asserted)."""
import re

from ..conftest import run_script


def test_prints_peaks_of_both_models_and_applies_the_options():
    proc = run_script(['tools/analysis/benchmark_dn_memory.py',
                     'configs/demo/mask_dino_r18_demo_no_mask_dn.py',
                     'configs/demo/mask_dino_r18_demo.py', '--objects', '3', '--shape', '64',
                     '96', '--cfg-options', 'model.bbox_head.decoder.num_layers=2',
                     '--dn-options', 'model.bbox_head.dn_cfg.num_groups=2'])
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert re.search(r'\| 3 \| \d+ \| \d+ \| \d+\.\d\d \|', proc.stdout), proc.stdout
    assert "both: {'model.bbox_head.decoder.num_layers': 2}" in proc.stdout
    assert "B = configs/demo/mask_dino_r18_demo.py {'model.bbox_head.dn_cfg.num_groups': 2}" \
        in proc.stdout


def test_a_failing_model_is_named():
    proc = run_script(['tools/analysis/benchmark_dn_memory.py',
                     'configs/demo/mask_dino_r18_demo_no_mask_dn.py',
                     'configs/demo/mask_dino_r18_demo.py', '--objects', '3', '--shape', '64',
                     '96', '--dn-options', 'model.bbox_head.dn_cfg.num_groups=0'])
    assert proc.returncode != 0
    assert 'configs/demo/mask_dino_r18_demo.py with 3 objects failed' in proc.stderr
    assert 'dn_cfg.num_groups must be an int >= 1, got 0' in proc.stderr
