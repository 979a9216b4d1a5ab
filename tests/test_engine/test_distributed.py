import os

import pytest
import torch
import torch.distributed as dist
from mmengine.config import Config
from mmengine.model import MMDistributedDataParallel
from torch import nn

from mmdn.engine import MMDNDistributedDataParallel, setup_distributed, teardown_distributed
from mmdn.engine.distributed import set_slurm_environment


@pytest.fixture
def gloo_group():
    os.environ.update(MASTER_ADDR='127.0.0.1', MASTER_PORT='29531', RANK='0',
                      WORLD_SIZE='1', LOCAL_RANK='0')
    yield
    if dist.is_initialized():
        dist.destroy_process_group()


@pytest.mark.skipif(torch.cuda.is_available(), reason='the CPU path of a CPU machine')
def test_setup_starts_gloo_and_selects_the_cpu_wrapper(gloo_group):
    cfg = Config(dict(launcher='pytorch', env_cfg=dict(dist_cfg=dict(backend='nccl')),
                      find_unused_parameters=True))
    setup_distributed(cfg)
    assert dist.is_initialized() and dist.get_backend() == 'gloo'
    assert cfg.env_cfg.dist_cfg.backend == 'gloo'
    assert cfg.model_wrapper_cfg == dict(type='mmdet.MMDNDistributedDataParallel',
                                         broadcast_buffers=False, find_unused_parameters=True)
    # What the runner does with it: device_ids=[LOCAL_RANK] is passed and must be dropped.
    model = MMDNDistributedDataParallel(module=nn.Linear(3, 2), device_ids=[0])
    assert isinstance(model, MMDistributedDataParallel) and model.device_ids is None
    out = model(torch.ones(4, 3)).sum()
    out.backward()
    assert model.module.weight.grad is not None


@pytest.mark.skipif(torch.cuda.is_available(), reason='the CPU path of a CPU machine')
def test_teardown_ends_the_group(gloo_group):
    setup_distributed(Config(dict(launcher='pytorch')))
    assert dist.is_initialized()
    teardown_distributed()
    assert not dist.is_initialized()
    teardown_distributed()  # without a group: nothing to do


def test_no_launcher_changes_nothing():
    cfg = Config(dict(launcher='none'))
    setup_distributed(cfg)
    assert 'model_wrapper_cfg' not in cfg and not dist.is_initialized()


@pytest.mark.skipif(torch.cuda.is_available(), reason='the CPU path of a CPU machine')
def test_mpi_without_cuda_is_refused_with_advice():
    with pytest.raises(RuntimeError, match='--launcher pytorch'):
        setup_distributed(Config(dict(launcher='mpi')))


def test_slurm_environment_as_mmengine_sets_it(monkeypatch):
    for key in ('MASTER_ADDR', 'MASTER_PORT', 'RANK', 'WORLD_SIZE', 'LOCAL_RANK'):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv('SLURM_PROCID', '5')
    monkeypatch.setenv('SLURM_LOCALID', '1')
    monkeypatch.setenv('SLURM_NTASKS', '8')
    monkeypatch.setenv('SLURM_NODELIST', 'node-[3-6]')
    asked = []
    monkeypatch.setattr('subprocess.getoutput',
                        lambda cmd: asked.append(cmd) or 'node-3')
    set_slurm_environment()
    assert asked == ['scontrol show hostname node-[3-6] | head -n1']
    assert {k: os.environ[k] for k in ('MASTER_ADDR', 'MASTER_PORT', 'RANK', 'WORLD_SIZE',
                                       'LOCAL_RANK')} == dict(
        MASTER_ADDR='node-3', MASTER_PORT='29500', RANK='5', WORLD_SIZE='8', LOCAL_RANK='1')
    set_slurm_environment(port=29777)  # a set MASTER_ADDR is kept, as MMEngine keeps it
    assert os.environ['MASTER_PORT'] == '29777' and len(asked) == 1
