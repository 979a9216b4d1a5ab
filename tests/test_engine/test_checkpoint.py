import pickle

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer, MessageHub
from mmengine.runner import CheckpointLoader

import mmdn  # noqa: F401  (installs the allow-list and the loader)
from mmdn.engine.checkpoint import CheckpointError, check_checkpoint_file, history_buffer_getattr


def _mmengine_like_checkpoint():
    hub = MessageHub.get_instance('ckpt-test')
    hub.update_scalar('train/loss', 1.5)
    hub.update_scalar('train/loss', np.float64(0.5))
    hub.update_info('iter', 3)
    return dict(
        meta=dict(seed=np.int64(7), lr=np.float32(1e-4), epoch=2, iter=3,
                  message_hub=hub.state_dict()),
        state_dict=dict(w=torch.arange(4.)),
        param_schedulers=[dict(milestones=__import__('collections').Counter({10: 1}))])


def test_weights_only_load_of_an_mmengine_checkpoint(tmp_path):
    path = tmp_path / 'ckpt.pth'
    torch.save(_mmengine_like_checkpoint(), path)
    ckpt = torch.load(path, weights_only=True)
    assert ckpt['meta']['seed'] == 7 and isinstance(ckpt['meta']['seed'], np.int64)
    buf = ckpt['meta']['message_hub']['log_scalars']['train/loss']
    assert isinstance(buf, HistoryBuffer)
    assert buf.mean() == pytest.approx(1.0) and buf.current() == pytest.approx(0.5)
    assert torch.equal(ckpt['state_dict']['w'], torch.arange(4.))
    # MMEngine's own entry point goes through mmdn's loader.
    assert torch.equal(CheckpointLoader.load_checkpoint(str(path))['state_dict']['w'],
                       torch.arange(4.))


def test_getattr_is_restricted_to_history_buffer_statistics():
    assert history_buffer_getattr(HistoryBuffer, 'mean') is HistoryBuffer.mean
    with pytest.raises(pickle.UnpicklingError):
        history_buffer_getattr(HistoryBuffer, '__init__')
    with pytest.raises(pickle.UnpicklingError):
        history_buffer_getattr(np, 'load')


class _Evil:
    """Pickles as getattr(HistoryBuffer, '__init__'): a step towards its globals."""

    def __reduce__(self):
        return (getattr, (HistoryBuffer, '__init__'))


def test_a_malicious_getattr_is_still_refused(tmp_path):
    path = tmp_path / 'evil.pth'
    torch.save({'x': _Evil()}, path)
    with pytest.raises(pickle.UnpicklingError):
        torch.load(path, weights_only=True)
    with pytest.raises(CheckpointError, match=str(path)):
        CheckpointLoader.load_checkpoint(str(path))


def test_missing_empty_truncated_and_foreign_files_name_the_path(tmp_path):
    good = tmp_path / 'good.pth'
    torch.save(_mmengine_like_checkpoint(), good)
    truncated = tmp_path / 'truncated.pth'
    truncated.write_bytes(good.read_bytes()[:len(good.read_bytes()) // 2])
    empty = tmp_path / 'empty.pth'
    empty.write_bytes(b'')
    text = tmp_path / 'notes.pth'
    text.write_text('not a checkpoint')
    cases = {tmp_path / 'missing.pth': 'does not exist', empty: 'empty',
             truncated: 'truncated or not a torch checkpoint',
             text: 'truncated or not a torch checkpoint'}
    for path, what in cases.items():
        with pytest.raises(CheckpointError, match=what) as err:
            CheckpointLoader.load_checkpoint(str(path))
        assert str(path) in str(err.value)
        # The checks alone (tools/test.py), without loading the tensors.
        with pytest.raises(CheckpointError, match=what):
            check_checkpoint_file(str(path))
    assert check_checkpoint_file(str(good)) == str(good)
