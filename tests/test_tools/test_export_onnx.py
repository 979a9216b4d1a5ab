"""tools/deployment/export_onnx.py and onnx_infer.py: a checkpoint to an .onnx file, and
the file run without torch to what tools/infer.py writes."""
import json
import sys

import numpy as np
import torch

from ..conftest import REPO, run_script, run_tool
from ..test_deployment.utils import spread_detector

CONFIG = 'configs/demo/dn_dab_detr_r18_demo.py'
CLASSES = ('ellipse', 'rectangle', 'triangle', 'diamond', 'cross', 'star')
# onnx_infer.py run with torch made unimportable: it needs numpy, opencv, onnxruntime.
# As `python SCRIPT` runs it: the script's folder first on sys.path.
WITHOUT_TORCH = ("import os, runpy, sys; sys.modules['torch'] = None; "
                 "sys.argv = sys.argv[1:]; sys.path.insert(0, os.path.dirname(sys.argv[0])); "
                 "runpy.run_path(sys.argv[0], run_name='__main__')")


def _checkpoint(tmp_path, config=CONFIG, name='model.pth'):
    path = tmp_path / name
    torch.save(dict(state_dict=spread_detector(config).state_dict(),
                    meta=dict(dataset_meta=dict(classes=CLASSES))), path)
    return path


def _export(checkpoint, out, *extra, config=CONFIG):
    return run_script(['tools/deployment/export_onnx.py', config, str(checkpoint), str(out),
                       *extra])


def _detections(predictions_json):
    return {r['image']: r for r in json.loads(predictions_json.read_text())}


def test_onnx_infer_writes_what_infer_writes_without_torch(demo_data, tmp_path):
    checkpoint = _checkpoint(tmp_path)
    model = tmp_path / 'model.onnx'
    proc = _export(checkpoint, model, '--shape', '160', '192', '--dynamic', '--batch', '2')
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert 'height and width dynamic' in proc.stdout
    assert 'onnxruntime vs PyTorch on the traced inputs: boxes within' in proc.stdout
    val = demo_data / 'val'
    onnx_out, torch_out = tmp_path / 'onnx', tmp_path / 'torch'
    proc = run_tool([sys.executable, '-c', WITHOUT_TORCH, 'tools/deployment/onnx_infer.py',
                     str(model), str(val), '--out-dir', str(onnx_out), '--score-thr', '0'])
    assert proc.returncode == 0, proc.stderr[-3000:]
    proc = run_script(['tools/infer.py', CONFIG, str(checkpoint), str(val), '--out-dir',
                       str(torch_out), '--score-thr', '0', '--device', 'cpu'])
    assert proc.returncode == 0, proc.stderr[-3000:]
    ours, theirs = _detections(onnx_out / 'predictions.json'), _detections(
        torch_out / 'predictions.json')
    assert list(ours) == list(theirs) == [str(p) for p in sorted(val.iterdir())]
    total = 0
    for image, record in ours.items():
        expected = theirs[image]
        assert (record['height'], record['width']) == (expected['height'], expected['width'])
        assert len(record['detections']) == len(expected['detections'])
        for det in record['detections']:
            same = [d for d in expected['detections'] if d['label'] == det['label']]
            diff = min(max(np.abs(np.subtract(d['bbox'], det['bbox'])).max(),
                           abs(d['score'] - det['score'])) for d in same)
            assert diff <= 0.011 and det['class'] == CLASSES[det['label']]  # JSON rounding
        total += len(record['detections'])
    assert total > 0
    assert sorted(p.name for p in (onnx_out / 'vis').iterdir()) == sorted(
        p.name for p in (torch_out / 'vis').iterdir())
    assert (onnx_out / 'vis' / '000000.png').read_bytes()[:4] == b'\x89PNG'


def test_fixed_size_model_refuses_larger_images(demo_data, tmp_path):
    model = tmp_path / 'model.onnx'
    assert _export(_checkpoint(tmp_path), model, '--shape', '96', '96').returncode == 0
    out = tmp_path / 'out'
    proc = run_script(['tools/deployment/onnx_infer.py', str(model), str(demo_data / 'val'),
                       '--out-dir', str(out)])
    assert proc.returncode != 0 and 'larger than the model input [96, 96]' in proc.stderr
    assert 'export with --dynamic or a larger --shape' in proc.stderr


def test_bad_inputs_are_named_and_nothing_is_written(demo_data, tmp_path):
    checkpoint = _checkpoint(tmp_path)
    out = tmp_path / 'model.onnx'
    other = _checkpoint(tmp_path, 'configs/demo/faster_rcnn_r18_demo.py', 'other.pth')
    truncated = tmp_path / 'truncated.pth'
    truncated.write_bytes(checkpoint.read_bytes()[:1000])
    a_file = tmp_path / 'a_file'
    a_file.write_text('')
    for args, message in (
            ((other, out, '--shape', '96', '96'), f'checkpoint {other} does not fit'),
            ((truncated, out, '--shape', '96', '96'), f'checkpoint {truncated} cannot be read'),
            ((checkpoint, out, '--shape', '16', '96'), 'at least 32 x 32'),
            ((checkpoint, a_file / 'model.onnx', '--shape', '96', '96'),
             f'{a_file / "model.onnx"}: not written'),
            ((checkpoint, out), 'give the input size with --shape H W')):
        proc = _export(*args)
        assert proc.returncode != 0 and message in proc.stderr, (message, proc.stderr[-2000:])
        assert not out.exists()
    assert _export(checkpoint, out, '--shape', '96', '96').returncode == 0
    broken = tmp_path / 'broken.png'
    broken.write_bytes(b'not an image')
    for inputs, message in (([str(demo_data / 'val'), str(broken)],
                             'broken.png is not a readable image'),
                            ([str(tmp_path / 'missing.png')], 'missing.png: no such image')):
        proc = run_script(['tools/deployment/onnx_infer.py', str(out), *inputs, '--out-dir',
                           str(tmp_path / 'infer')])
        assert proc.returncode != 0 and message in proc.stderr, proc.stderr[-2000:]
        assert not (tmp_path / 'infer').exists()


def test_default_shape_is_the_test_resize_scale(tmp_path):
    """A config whose test pipeline resizes to (192, 128) with the ratio kept is
    exported, without --shape, for 128 x 192 (landscape) inputs."""
    import onnx
    config = tmp_path / 'resized.py'
    config.write_text(
        f"_base_ = ['{REPO / CONFIG}']\n"
        "test_dataloader = dict(dataset=dict(pipeline=[\n"
        "    dict(type='LoadImageFromFile'),\n"
        "    dict(type='Resize', scale=(192, 128), keep_ratio=True),\n"
        "    dict(type='PackDetInputs')]))\n")
    model = tmp_path / 'model.onnx'
    proc = _export(_checkpoint(tmp_path), model, config=str(config))
    assert proc.returncode == 0, proc.stderr[-3000:]
    dims = [d.dim_value for d in onnx.load(str(model)).graph.input[0].type.tensor_type.shape.dim]
    assert dims == [1, 3, 128, 192]
    meta = {p.key: json.loads(p.value) for p in onnx.load(str(model)).metadata_props}
    assert meta['mmdn_preprocess']['resize'] == dict(scale=[192, 128], keep_ratio=True)
