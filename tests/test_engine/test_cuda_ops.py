"""The install-time check of mmcv's CUDA ops, with torch's CUDA probe stubbed."""
import mmcv.ops
import pytest
import torch

from mmdn.engine import cuda_ops


def test_nothing_to_check_without_cuda(capsys):
    assert not torch.cuda.is_available()
    assert cuda_ops.cuda_ops_problem() is None
    cuda_ops.main()
    assert 'no CUDA here' in capsys.readouterr().out


@pytest.fixture
def sees_cuda(monkeypatch):
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: True)
    monkeypatch.setattr(torch.version, 'cuda', '12.1')


def test_mmcv_built_without_cuda_ops_is_named_with_the_fix(sees_cuda, monkeypatch):
    # What mmcv's CPU build answers (a CUDA build answers its CUDA version).
    monkeypatch.setattr(mmcv.ops, 'get_compiling_cuda_version', lambda: 'not available')
    with pytest.raises(SystemExit) as err:
        cuda_ops.main()
    message = str(err.value)
    assert 'torch sees CUDA but mmcv was built without its CUDA ops' in message
    assert 'this torch (CUDA 12.1)' in message and 'MMDN_CUDA=1 make install' in message
    assert 'uninstall -y mmcv' in message and 'TORCH_SPEC / TORCH_INDEX' in message


def test_kernels_that_do_not_run_are_named(sees_cuda, monkeypatch):
    # mmcv says it has CUDA ops, but its kernels are missing for the device they meet:
    # run the real probe on the CPU, where mmcv has no deformable-attention kernel.
    monkeypatch.setattr(mmcv.ops, 'get_compiling_cuda_version', lambda: '12.1')
    probe = cuda_ops.probe_ops
    monkeypatch.setattr(cuda_ops, 'probe_ops', lambda device: probe('cpu'))
    problem = cuda_ops.cuda_ops_problem()
    assert "mmcv's CUDA ops (built for CUDA 12.1) do not run on this GPU" in problem
    assert 'ms_deform_attn_impl_forward: implementation for device cpu not found' in problem


def test_kernels_that_run_pass(sees_cuda, monkeypatch, capsys):
    monkeypatch.setattr(mmcv.ops, 'get_compiling_cuda_version', lambda: '12.1')
    monkeypatch.setattr(cuda_ops, 'probe_ops', lambda device: None)
    assert cuda_ops.cuda_ops_problem() is None
    cuda_ops.main()
    assert 'run on CUDA' in capsys.readouterr().out


def test_probe_compares_the_kernels_with_reference_results(monkeypatch):
    """The probe end to end on the CPU, its deformable-attention kernel stood in for by
    the PyTorch path (agrees) and by a wrong one (caught)."""
    from mmcv.ops.multi_scale_deform_attn import (
        MultiScaleDeformableAttnFunction,
        multi_scale_deformable_attn_pytorch,
    )

    def kernel(offset):
        return lambda value, shapes, starts, loc, weights, step: \
            multi_scale_deformable_attn_pytorch(value, shapes, loc, weights) + offset

    monkeypatch.setattr(MultiScaleDeformableAttnFunction, 'apply', kernel(0.))
    cuda_ops.probe_ops('cpu')
    monkeypatch.setattr(MultiScaleDeformableAttnFunction, 'apply', kernel(1e-3))
    with pytest.raises(AssertionError, match='Tensor-likes are not close'):
        cuda_ops.probe_ops('cpu')
