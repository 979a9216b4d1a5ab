"""torchvision:// weights without torchvision: the name table, the cache, the download,
and the errors that name the model, the file and the folder."""
import importlib.util
import os
from pathlib import Path

import pytest
import torch
from mmengine.runner import CheckpointLoader

from mmdn.datasets.coco_rehearsal import make_rehearsal_dataset
from mmdn.engine.pretrained import (
    PretrainedWeightsError,
    cache_dir,
    check_pretrained,
    fetch,
    load_from_torchvision_cache,
    pretrained_uris,
    resolve,
)
from ..conftest import DEMO_CONFIG, REPO, run_script
from ..pretrained import standin_state

OFFLINE = {'HTTPS_PROXY': 'http://127.0.0.1:9', 'https_proxy': 'http://127.0.0.1:9'}


@pytest.fixture
def empty_cache(tmp_path, monkeypatch) -> Path:
    """An empty $TORCH_HOME and no network (a refusing proxy)."""
    monkeypatch.setenv('TORCH_HOME', str(tmp_path / 'torch_home'))
    for key, value in OFFLINE.items():
        monkeypatch.setenv(key, value)
    return Path(cache_dir())


def test_torchvision_is_not_needed():
    assert importlib.util.find_spec('torchvision') is None
    where = resolve('torchvision://resnet50')
    assert where['url'].endswith('/resnet50-0676ba61.pth')  # MMEngine's (V1) ImageNet file
    assert where['path'] == os.path.join(os.environ['TORCH_HOME'], 'hub', 'checkpoints',
                                         'resnet50-0676ba61.pth')
    assert resolve('modelzoo://resnet101')['path'].endswith('resnet101-63fe2227.pth')


def test_mmengine_loads_the_cached_file(pretrained_cache):
    state = CheckpointLoader.load_checkpoint('torchvision://resnet50', map_location='cpu')
    expected = torch.load(pretrained_cache['resnet50'])
    assert state.keys() == expected.keys() and 'fc.weight' in state
    assert all(torch.equal(state[k], expected[k]) for k in state)


def test_an_uncached_file_is_downloaded_into_the_cache(empty_cache, tmp_path, monkeypatch):
    source = tmp_path / 'resnet18-f37072fd.pth'
    torch.save(standin_state('resnet18'), source)
    monkeypatch.setattr('mmdn.engine.pretrained.torchvision_urls',
                        lambda: {'resnet18': source.as_uri()})
    path = fetch('torchvision://resnet18')
    assert Path(path) == empty_cache / 'resnet18-f37072fd.pth'
    assert Path(path).read_bytes() == source.read_bytes()
    assert load_from_torchvision_cache('torchvision://resnet18').keys() == \
        standin_state('resnet18').keys()


def test_no_network_and_no_cached_file_names_the_file_and_folder(empty_cache):
    with pytest.raises(PretrainedWeightsError) as err:
        load_from_torchvision_cache('torchvision://resnet50')
    message = str(err.value)
    assert f'resnet50-0676ba61.pth is not in {empty_cache}' in message
    assert 'tools/misc/download_pretrained.py' in message
    assert not any(empty_cache.glob('*'))  # no partial file left behind


def test_unknown_model_is_named():
    with pytest.raises(PretrainedWeightsError, match="'resnet77'.*known ResNet names: .*resnet50"):
        resolve('torchvision://resnet77')


@pytest.mark.parametrize('content,match', [
    (b'', 'is empty'),
    (None, 'truncated or not a torch checkpoint'),
    ([1, 2, 3], 'is not a state dict .* a list'),
])
def test_a_bad_cached_file_is_named(empty_cache, content, match):
    path = empty_cache / 'resnet50-0676ba61.pth'
    path.parent.mkdir(parents=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is None:  # the first 100 kB of a real file
        torch.save(standin_state('resnet50'), path)
        path.write_bytes(path.read_bytes()[:100_000])
    else:
        torch.save(content, path)
    with pytest.raises(PretrainedWeightsError, match=match) as err:
        load_from_torchvision_cache('torchvision://resnet50')
    assert str(path) in str(err.value)


def test_pretrained_uris_of_a_config():
    from mmengine.config import Config
    cfg = Config.fromfile(REPO / 'configs/dn_faster_rcnn_r50_fpn_12e.py')
    assert pretrained_uris(cfg.model) == ['torchvision://resnet50']
    assert check_pretrained(cfg) == [resolve('torchvision://resnet50')['path']]
    assert pretrained_uris(Config.fromfile(DEMO_CONFIG).model) == []  # from scratch


@pytest.mark.parametrize('case', ['missing', 'truncated', 'unknown'])
def test_train_stops_before_writing(case, empty_cache, tmp_path):
    """No file and no network, a truncated file, a name the table does not know: the
    error names them and the work dir is never made."""
    make_rehearsal_dataset(str(tmp_path / 'data' / 'coco'), num_train=2, num_val=1)
    options = []
    if case == 'truncated':
        empty_cache.mkdir(parents=True)
        torch.save(standin_state('resnet50'), empty_cache / 'resnet50-0676ba61.pth')
        data = (empty_cache / 'resnet50-0676ba61.pth').read_bytes()
        (empty_cache / 'resnet50-0676ba61.pth').write_bytes(data[:len(data) // 2])
    elif case == 'unknown':
        options = ['--cfg-options', 'model.backbone.init_cfg.checkpoint=torchvision://resnet77']
    out = run_script([str(REPO / 'tools/train.py'),
                      str(REPO / 'configs/dn_dab_detr_r50_50e.py'), *options], cwd=tmp_path)
    assert out.returncode != 0
    expected = {
        'missing': f'resnet50-0676ba61.pth is not in {empty_cache}',
        'truncated': f'checkpoint {empty_cache}/resnet50-0676ba61.pth cannot be read',
        'unknown': "pretrained model 'resnet77' (torchvision://resnet77) is not in the table",
    }[case]
    assert expected in out.stderr, out.stderr[-2000:]
    assert not (tmp_path / 'work_dirs').exists()


def test_download_pretrained_tool(empty_cache, pretrained_cache):
    out = run_script(['tools/misc/download_pretrained.py', 'configs/dab_detr_r101_50e.py'])
    assert out.returncode == 1 and 'resnet101-63fe2227.pth is not in' in out.stderr
    empty_cache.mkdir(parents=True, exist_ok=True)
    os.link(pretrained_cache['resnet101'], empty_cache / 'resnet101-63fe2227.pth')
    out = run_script(['tools/misc/download_pretrained.py', 'configs/dab_detr_r101_50e.py',
                      'configs/demo/dab_detr_r18_demo.py'])
    assert out.returncode == 0, out.stderr
    assert f'torchvision://resnet101: {empty_cache}/resnet101-63fe2227.pth (cached, ' in out.stdout
    assert f'pretrained weights in {empty_cache}' in out.stdout
