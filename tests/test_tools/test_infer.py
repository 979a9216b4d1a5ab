"""tools/infer.py: drawn detections and a JSON for files, folders and globs."""
import json

import mmcv
import torch
from mmengine.config import Config

from mmdet.registry import MODELS
from ..conftest import REPO, run_script

CONFIG = REPO / 'configs/demo/dn_dab_detr_r18_demo.py'
CLASSES = ('ellipse', 'rectangle', 'triangle', 'diamond', 'cross', 'star')


def _checkpoint(tmp_path):
    torch.manual_seed(0)
    model = MODELS.build(Config.fromfile(CONFIG).model)
    model.init_weights()
    path = tmp_path / 'model.pth'
    torch.save(dict(state_dict=model.state_dict(), meta=dict(dataset_meta=dict(
        classes=CLASSES))), path)
    return path


def test_files_folders_and_globs(demo_data, tmp_path):
    checkpoint = _checkpoint(tmp_path)
    val = sorted((demo_data / 'val').iterdir())
    out = tmp_path / 'out'
    proc = run_script(['tools/infer.py', str(CONFIG), str(checkpoint), str(val[0]),
                       str(demo_data / 'val'), str(demo_data / 'val' / '*.png'), '--out-dir',
                       str(out), '--score-thr', '0', '--device', 'cpu'])
    assert proc.returncode == 0, proc.stderr[-3000:]
    records = json.loads((out / 'predictions.json').read_text())
    assert [r['image'] for r in records] == [str(p) for p in val]  # each image once
    first = records[0]
    assert (first['height'], first['width']) == mmcv.imread(str(val[0])).shape[:2]
    dets = first['detections']
    assert len(dets) == 30  # max_per_img, all scores >= 0
    assert all(d['class'] == CLASSES[d['label']] and 0 <= d['score'] <= 1 for d in dets)
    x1, y1, x2, y2 = dets[0]['bbox']
    assert x1 <= x2 and y1 <= y2
    assert dets == sorted(dets, key=lambda d: -d['score'])
    pngs = sorted(p.name for p in (out / 'vis').iterdir())
    assert pngs == sorted(f'{p.stem}.png' for p in val)
    assert (out / 'vis' / pngs[0]).read_bytes()[:4] == b'\x89PNG'


def test_bad_inputs_are_named_before_anything_is_written(demo_data, tmp_path):
    checkpoint = _checkpoint(tmp_path)
    broken = tmp_path / 'broken.png'
    broken.write_bytes(b'not an image')
    out = tmp_path / 'out'
    for inputs, message in (([str(tmp_path / 'missing.png')], 'missing.png: no such image'),
                            ([str(demo_data / 'val'), str(broken)],
                             'broken.png is not a readable image')):
        proc = run_script(['tools/infer.py', str(CONFIG), str(checkpoint), *inputs,
                           '--out-dir', str(out), '--device', 'cpu'])
        assert proc.returncode != 0 and message in proc.stderr, proc.stderr[-2000:]
        assert not out.exists()
