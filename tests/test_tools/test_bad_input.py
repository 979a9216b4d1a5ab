"""Bad input to tools/train.py and tools/test.py: each stops with an error naming the
path and what is wrong, before anything already written is overwritten."""
import shutil

import pytest
import torch

from ..conftest import DEMO_CONFIG, data_options, run_script


def _copy(demo_data, tmp_path):
    root = tmp_path / 'data'
    shutil.copytree(demo_data, root)
    return root


def _train(root, work_dir, config=DEMO_CONFIG):
    """tools/train.py, in-process."""
    return run_script(['tools/train.py', str(config), '--work-dir', str(work_dir),
                       '--cfg-options', *data_options(root), 'train_cfg.max_epochs=1',
                       'train_cfg.val_interval=100'])


def test_missing_data_root(tmp_path):
    proc = _train(tmp_path / 'nowhere', tmp_path / 'wd')
    assert proc.returncode != 0
    assert f'data root {tmp_path}/nowhere/ does not exist' in proc.stderr
    assert not (tmp_path / 'wd').exists()


def test_missing_annotation_file(demo_data, tmp_path):
    root = _copy(demo_data, tmp_path)
    (root / 'annotations' / 'train.json').unlink()
    proc = _train(root, tmp_path / 'wd')
    assert proc.returncode != 0
    assert f'annotation file {root}/annotations/train.json does not exist' in proc.stderr


def test_annotation_file_that_is_not_json(demo_data, tmp_path):
    root = _copy(demo_data, tmp_path)
    ann = root / 'annotations' / 'train.json'
    ann.write_text(ann.read_text()[:100])
    proc = _train(root, tmp_path / 'wd')
    assert proc.returncode != 0
    assert f'{ann} is not valid JSON' in proc.stderr


def test_unreadable_image(demo_data, tmp_path):
    root = _copy(demo_data, tmp_path)
    (root / 'train' / '000000.png').write_bytes(b'not an image')
    proc = _train(root, tmp_path / 'wd')  # fails in the runner's loading
    assert proc.returncode != 0
    assert f'failed to load image: {root}/train/000000.png' in proc.stderr


def test_config_without_custom_imports(tmp_path):
    cfg = tmp_path / 'no_imports.py'
    cfg.write_text(f"_base_ = '{DEMO_CONFIG}'\ncustom_imports = dict(imports=[])\n")
    proc = _train(tmp_path, tmp_path / 'wd', config=cfg)
    assert proc.returncode != 0
    assert f'{cfg} does not import mmdn' in proc.stderr
    assert "custom_imports = dict(imports=['mmdn']" in proc.stderr


@pytest.mark.parametrize('kind', ['missing', 'truncated'])
def test_bad_checkpoint_leaves_earlier_output_alone(demo_data, tmp_path, kind):
    ckpt = tmp_path / 'model.pth'
    if kind == 'truncated':
        torch.save(dict(state_dict={'w': torch.zeros(1000)}), ckpt)
        ckpt.write_bytes(ckpt.read_bytes()[:2000])
    out = tmp_path / 'preds.pkl'
    out.write_bytes(b'earlier results')
    proc = run_script(['tools/test.py', str(DEMO_CONFIG), str(ckpt), '--work-dir',
                       str(tmp_path / 'wd'), '--out', str(out), '--cfg-options',
                       *data_options(demo_data)])
    assert proc.returncode != 0
    what = 'does not exist' if kind == 'missing' else 'truncated or not a torch checkpoint'
    assert f'checkpoint {ckpt} ' in proc.stderr and what in proc.stderr
    assert out.read_bytes() == b'earlier results'
    assert not (tmp_path / 'wd').exists()


def test_resume_from_a_missing_checkpoint(demo_data, tmp_path):
    proc = run_script(['tools/train.py', str(DEMO_CONFIG), '--work-dir', str(tmp_path / 'wd'),
                       '--resume', str(tmp_path / 'gone.pth'), '--cfg-options',
                       *data_options(demo_data)])
    assert proc.returncode != 0
    assert f'--resume: checkpoint {tmp_path}/gone.pth does not exist' in proc.stderr
