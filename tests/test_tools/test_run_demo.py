"""tools/run_demo.sh (what `make demo` runs after the install) end to end: the demo
dataset written, a tiny training, the evaluation, the drawings and the printed paths."""
import json
import re
from pathlib import Path

from ..conftest import REPO, data_options, run_tool

FAST_DEMO = 'configs/demo/dn_deformable_detr_pp_r18_fast_demo.py'


def test_make_demo_default_is_the_fast_dn_model():
    makefile = (REPO / 'Makefile').read_text()
    assert f'DEMO_CONFIG ?= {FAST_DEMO}' in makefile


def test_run_demo_trains_tests_draws_and_prints_the_paths(demo_data, tmp_path):
    proc = run_tool(['bash', 'tools/run_demo.sh', FAST_DEMO, str(tmp_path), '--cfg-options',
                     *data_options(demo_data, batch_size=2, num_train=4),
                     'train_cfg.max_epochs=1', 'train_cfg.val_interval=100'])
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    out = proc.stdout
    assert re.search(r'trained in \d+ s', out)
    assert re.search(r'checkpoint: +\S+epoch_1\.pth', out)
    metrics = Path(re.search(r'metrics: +(\S+\.json)', out).group(1))
    assert 'coco/bbox_mAP' in json.loads(metrics.read_text())
    drawn = re.findall(r'^(\S+/drawn/\S+\.png)$', out, re.M)
    assert len(drawn) == 4 and all(Path(p).is_file() for p in drawn)
    assert len(list(Path(drawn[0]).parent.glob('*.png'))) == 8  # every val image
