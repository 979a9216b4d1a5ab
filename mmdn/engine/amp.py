"""Mixed precision for ``tools/train.py --amp``: float16 on CUDA, bfloat16 elsewhere.

MMEngine's ``AmpOptimWrapper`` (float16 with a dynamic loss scale) refuses to start
without CUDA (or NPU, MLU, MUSA). :class:`BF16OptimWrapper` runs the forward pass and the
losses under ``torch.autocast(dtype=torch.bfloat16)`` on the model's device instead:
bfloat16 keeps float32's exponent range, so no loss scaling is needed.
"""
from contextlib import contextmanager
from typing import Iterator

import torch
from mmengine.config import Config
from mmengine.optim import OptimWrapper
from mmengine.runner.amp import autocast
from torch import nn

from mmdet.registry import OPTIM_WRAPPERS


@OPTIM_WRAPPERS.register_module()
class BF16OptimWrapper(OptimWrapper):
    """``OptimWrapper`` whose forward and losses run under bfloat16 autocast on the
    device of the model's parameters."""

    @contextmanager
    def optim_context(self, model: nn.Module) -> Iterator:
        device = next(model.parameters()).device.type
        with super().optim_context(model), autocast(device_type=device, dtype=torch.bfloat16):
            yield


def configure_amp(cfg: Config) -> None:
    """Sets ``cfg.optim_wrapper`` for mixed precision on this machine.

    CUDA: MMEngine's ``AmpOptimWrapper``, float16 with a dynamic loss scale. Otherwise
    :class:`BF16OptimWrapper`, except for models with an RoI head: mmcv's RoIAlign has no
    bfloat16 kernel on the CPU, so those stop here with an error saying so.
    """
    if torch.cuda.is_available():
        cfg.optim_wrapper.update(type='AmpOptimWrapper', loss_scale='dynamic')
        return
    if 'roi_head' in cfg.model:
        raise ValueError(
            '--amp without CUDA trains in bfloat16, which mmcv\'s RoIAlign (the RoI head '
            f'of {cfg.model.type}) does not support on the CPU; train this model without '
            '--amp here, or with --amp on a CUDA machine (float16)')
    cfg.optim_wrapper.type = 'BF16OptimWrapper'
