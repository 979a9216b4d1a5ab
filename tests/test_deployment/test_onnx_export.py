"""export_onnx: onnxruntime gives PyTorch's detections for every detector family, at the
export size, at another size and for a padded batch of two sizes."""
import json

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch
from mmengine.config import Config

from mmdn.deployment import (
    ExportableDetector,
    detection_difference,
    export_onnx,
    max_detections,
    min_input_size,
    preprocessing_metadata,
)
from ..conftest import REPO
from ..dn_models import box_detector_configs
from .utils import batch, spread_detector

# Every box detector of a DN pair (a DN model is its baseline at inference), and the
# baselines whose inference is this repository's own code besides their DN model's.
FAMILIES = box_detector_configs() + ['configs/demo/anchor_detr_r18_demo.py',
                                     'configs/demo/faster_rcnn_r18_demo.py']
HEIGHT, WIDTH = 160, 192
CASES = {
    'export size': ([(160, 192), (160, 192)], 160, 192),
    'padded batch of two sizes': ([(160, 192), (112, 130)], 160, 192),
    'another size, padded': ([(224, 128), (200, 100)], 224, 128),
}


def _run(session, inputs, valid_hw):
    return session.run(None, dict(inputs=inputs.numpy(), valid_hw=valid_hw.numpy()))


@pytest.mark.slow  # an export and onnxruntime session a family
@pytest.mark.parametrize('config', FAMILIES)
def test_onnxruntime_gives_pytorchs_detections(config, tmp_path):
    model = spread_detector(config)
    path = export_onnx(model, tmp_path / 'model.onnx', (HEIGHT, WIDTH), batch=2,
                       dynamic=True)
    session = ort.InferenceSession(str(path), providers=['CPUExecutionProvider'])
    reference = ExportableDetector(model, max_detections(model))
    for case, (sizes, height, width) in CASES.items():
        inputs, valid_hw = batch(sizes, height, width, seed=len(case))
        with torch.no_grad():
            expected = [t.numpy() for t in reference(inputs, valid_hw)]
        got = _run(session, inputs, valid_hw)
        assert [g.shape for g in got] == [e.shape for e in expected], case
        assert all(np.isfinite(g).all() for g in got), case
        assert ((got[2] >= 0).sum(1) == (expected[2] >= 0).sum(1)).all(), case
        box, score = detection_difference(got, expected)
        assert box <= 1e-4 * max(height, width) and score <= 1e-4, (case, box, score)


@pytest.mark.slow
def test_padding_changes_detections_as_in_pytorch(tmp_path):
    """The padding masks are in the graph: an image's detections depend on its valid
    size (the padded part is ignored), not only on the padded tensor."""
    model = spread_detector('configs/demo/dn_dab_detr_r18_demo.py')
    path = export_onnx(model, tmp_path / 'model.onnx', (HEIGHT, WIDTH), batch=1)
    session = ort.InferenceSession(str(path), providers=['CPUExecutionProvider'])
    inputs, _ = batch([(HEIGHT, WIDTH)], HEIGHT, WIDTH)
    full = _run(session, inputs, torch.tensor([[HEIGHT, WIDTH]]))
    part = _run(session, inputs, torch.tensor([[100, 120]]))
    assert np.abs(full[1] - part[1]).max() > 1e-4  # float noise here: ~1e-7
    assert part[0][..., 0::2].max() <= 120 and part[0][..., 1::2].max() <= 100


def test_static_export_has_fixed_input_and_stored_preprocessing(tmp_path):
    config = 'configs/demo/dn_dab_detr_r18_demo.py'
    cfg = Config.fromfile(REPO / config)
    metadata = preprocessing_metadata(cfg, ('a', 'b', 'c', 'd', 'e', 'f'))
    path = export_onnx(spread_detector(config), tmp_path / 'model.onnx', (128, 160), batch=3,
                       metadata=metadata)
    model = onnx.load(str(path))
    dims = [[d.dim_value or d.dim_param for d in i.type.tensor_type.shape.dim]
            for i in model.graph.input]
    assert dims == [[3, 3, 128, 160], [3, 2]]
    assert [o.name for o in model.graph.output] == ['boxes', 'scores', 'labels']
    meta = {p.key: json.loads(p.value) for p in model.metadata_props}
    assert meta['mmdn_classes'] == ['a', 'b', 'c', 'd', 'e', 'f']
    pre = meta['mmdn_preprocess']
    assert pre['mean'] == [123.675, 116.28, 103.53] and pre['bgr_to_rgb'] is True
    assert pre['resize'] == dict(scale_factor=1.0)
    assert not any(n.domain not in ('', 'ai.onnx') for n in model.graph.node)  # stock ops
    # A DN model is its baseline at inference: no denoising queries, and the generator's
    # one row used (the matching queries' 'unknown' content) is folded into a constant.
    assert not [i.name for i in model.graph.initializer if 'dn_query_generator' in i.name]


def test_input_below_the_largest_stride_is_refused_and_nothing_written(tmp_path):
    model = spread_detector('configs/demo/faster_rcnn_r18_demo.py')
    assert min_input_size(model) == 64  # FPN's extra level: stride 64
    with pytest.raises(ValueError, match=r'--shape 48 200.*at least 64 x 64'):
        export_onnx(model, tmp_path / 'model.onnx', (48, 200))
    assert list(tmp_path.iterdir()) == []


def test_failed_export_leaves_the_previous_file(tmp_path, monkeypatch):
    path = tmp_path / 'model.onnx'
    path.write_bytes(b'previous')

    def broken(*args, **kwargs):
        raise onnx.checker.ValidationError('broken graph')

    monkeypatch.setattr(onnx.checker, 'check_model', broken)
    with pytest.raises(onnx.checker.ValidationError):
        export_onnx(spread_detector('configs/demo/dn_dab_detr_r18_demo.py'), path, (64, 64))
    assert path.read_bytes() == b'previous'
    assert [p.name for p in tmp_path.iterdir()] == ['model.onnx']


@pytest.mark.parametrize('config, name', [('mask2former_r18_demo.py', 'Mask2Former'),
                                          ('mask_dino_r18_demo.py', 'MaskDINO')])
def test_segmentation_model_is_refused(tmp_path, config, name):
    model = spread_detector(f'configs/demo/{config}')
    with pytest.raises(ValueError, match=f'{name}: segmentation models'):
        export_onnx(model, tmp_path / 'model.onnx', (64, 64))
    assert list(tmp_path.iterdir()) == []
