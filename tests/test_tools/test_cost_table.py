"""tools/analysis/cost_table.py on the demo pair (figures not asserted beyond what DN
must change: train FLOPs up, test FLOPs and parameters' order unchanged)."""
import re

from ..conftest import run_script


def test_dn_adds_train_flops_and_nothing_at_test():
    proc = run_script(['tools/analysis/cost_table.py', 'configs/demo/dab_detr_r18_demo.py',
                       'configs/demo/dn_dab_detr_r18_demo.py', '--shape', '64', '96',
                       '--steps', '1'])
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = re.findall(r'\| (configs/\S+) \| ([\d.]+)M \| ([\d.]+) \| ([\d.]+) \| ([\d.]+) \|',
                      proc.stdout)
    assert [r[0] for r in rows] == ['configs/demo/dab_detr_r18_demo.py',
                                    'configs/demo/dn_dab_detr_r18_demo.py']
    (_, _, base_train, base_test, _), (_, _, dn_train, dn_test, _) = rows
    assert float(dn_train) > float(base_train) > float(base_test) > 0
    assert dn_test == base_test
