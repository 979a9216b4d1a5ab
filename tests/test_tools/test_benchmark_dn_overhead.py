"""The benchmark script runs and prints its table (its figures are not asserted: timing
belongs in the benchmark, not in tests); the op count shows the DN part's extra work."""
import re

from ..conftest import run_script


def test_benchmark_prints_ratios_and_op_counts():
    proc = run_script(['tools/analysis/benchmark_dn_overhead.py',
                       'configs/demo/dab_detr_r18_demo.py', 'configs/demo/dn_dab_detr_r18_demo.py',
                       '--shape', '64', '96', '--steps', '1', '--warmup', '0'])
    assert proc.returncode == 0, proc.stderr[-3000:]
    for row in ('train step (s)', 'inference step (s)'):
        assert re.search(rf'\| {re.escape(row)} \| \d+\.\d+ \| \d+\.\d+ \| \d+\.\d+ \|',
                         proc.stdout), proc.stdout
    a, b, extra = map(int, re.search(r'\| aten ops per train step \| (\d+) \| (\d+) \| '
                                     r'\d\.\d+ \(\+(\d+)\) \|', proc.stdout).groups())
    assert b - a == extra > 0


def test_cfg_options_apply_to_both_models():
    """A segmentation pair with masks in the synthetic batch, and an override of both
    configs: fewer decoder layers give fewer operators."""
    args = ['tools/analysis/benchmark_dn_overhead.py', 'configs/demo/mask2former_r18_demo.py',
            'configs/demo/dn_mask2former_r18_demo.py', '--shape', '64', '96', '--steps', '1',
            '--warmup', '0']
    counts = []
    for extra in ([], ['--cfg-options',
                       'model.panoptic_head.transformer_decoder.num_layers=3']):
        proc = run_script(args + extra)
        assert proc.returncode == 0, proc.stderr[-3000:]
        counts.append(tuple(map(int, re.search(
            r'\| aten ops per train step \| (\d+) \| (\d+) \|', proc.stdout).groups())))
    assert counts[1][0] < counts[0][0] and counts[1][1] < counts[0][1]
