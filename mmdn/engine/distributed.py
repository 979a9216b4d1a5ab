"""Multi-process training and testing on machines without CUDA.

With ``--launcher pytorch`` or ``slurm`` MMEngine 0.10.7 calls
``torch.cuda.set_device(LOCAL_RANK)`` while starting the process group and wraps the
model with ``device_ids=[LOCAL_RANK]``; both fail without CUDA. :func:`setup_distributed`
starts the gloo group itself before the runner is built (the runner then skips its own
start-up) and selects :class:`MMDNDistributedDataParallel`, which leaves ``device_ids``
out for a model that is not on a CUDA device. On CUDA machines nothing changes.
"""
import datetime
import os
import subprocess
from typing import Any, List, Optional

import torch
import torch.distributed as torch_dist
from mmengine.config import Config
from mmengine.model import MMDistributedDataParallel
from torch import nn

from mmdet.registry import MODEL_WRAPPERS


@MODEL_WRAPPERS.register_module()
class MMDNDistributedDataParallel(MMDistributedDataParallel):
    """``MMDistributedDataParallel`` that drops ``device_ids`` for a model off CUDA."""

    def __init__(self, module: nn.Module, device_ids: Optional[List[int]] = None,
                 **kwargs: Any) -> None:
        on_cuda = any(p.device.type == 'cuda' for p in module.parameters())
        super().__init__(module=module, device_ids=device_ids if on_cuda else None, **kwargs)


def setup_distributed(cfg: Config) -> None:
    """Starts a gloo process group for ``cfg.launcher`` when CUDA is absent.

    Call it after ``cfg.launcher`` is set and before ``Runner.from_cfg(cfg)``.
    """
    launcher = cfg.get('launcher', 'none')
    if launcher == 'none' or torch.cuda.is_available():
        return
    if launcher not in ('pytorch', 'slurm'):
        raise RuntimeError(
            f'--launcher {launcher} needs CUDA; on a machine without CUDA use '
            '--launcher pytorch (tools/dist_train.sh, tools/dist_test.sh) or slurm')
    dist_cfg = cfg.get('env_cfg', {}).get('dist_cfg', {})
    if launcher == 'slurm':
        set_slurm_environment(dist_cfg.get('port'))
    timeout = datetime.timedelta(seconds=dist_cfg.get('timeout', 1800))
    if not torch_dist.is_initialized():
        torch_dist.init_process_group(backend='gloo', timeout=timeout)
    cfg.setdefault('env_cfg', {}).setdefault('dist_cfg', {})['backend'] = 'gloo'
    if cfg.get('model_wrapper_cfg') is None:
        cfg.model_wrapper_cfg = dict(
            type='mmdet.MMDNDistributedDataParallel',
            broadcast_buffers=False,
            find_unused_parameters=cfg.get('find_unused_parameters', False))


def set_slurm_environment(port: Optional[int] = None) -> None:
    """``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK``, ``MASTER_ADDR`` and ``MASTER_PORT`` from
    srun's ``SLURM_*`` variables, as MMEngine's slurm start-up sets them (the first host
    of ``SLURM_NODELIST`` unless ``MASTER_ADDR`` is set; ``port``, else ``MASTER_PORT``,
    else 29500)."""
    if port is not None:
        os.environ['MASTER_PORT'] = str(port)
    os.environ.setdefault('MASTER_PORT', '29500')
    if 'MASTER_ADDR' not in os.environ:
        node_list = os.environ['SLURM_NODELIST']
        os.environ['MASTER_ADDR'] = subprocess.getoutput(
            f'scontrol show hostname {node_list} | head -n1')
    os.environ['WORLD_SIZE'] = os.environ['SLURM_NTASKS']
    os.environ['RANK'] = os.environ['SLURM_PROCID']
    os.environ['LOCAL_RANK'] = os.environ.get('SLURM_LOCALID', os.environ['SLURM_PROCID'])


def teardown_distributed() -> None:
    """Ends the process group, if any, once every rank is done.

    Call it after a successful run: a process that exits with the group alive can abort
    in the backend's threads (seen with gloo: "terminate called without an active
    exception", exit code -6, after training had finished).
    """
    if torch_dist.is_available() and torch_dist.is_initialized():
        torch_dist.barrier()
        torch_dist.destroy_process_group()
