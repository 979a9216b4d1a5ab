"""Stand-ins for torchvision's ImageNet ResNet files: the keys and shapes of the real
ones, small on disk, in a temporary ``$TORCH_HOME`` cache (no downloads in tests)."""
from pathlib import Path
from typing import Dict

import torch

from mmdet.models.backbones import ResNet
from mmdn.engine.pretrained import resolve

DEPTHS = {'resnet18': 18, 'resnet34': 34, 'resnet50': 50, 'resnet101': 101}


def standin_state(name: str, seed: int = 0) -> Dict[str, torch.Tensor]:
    """torchvision's state dict of ``name`` (its keys, ``fc`` included, and shapes) with
    random values that differ along every axis of every tensor, at the scales of a
    trained network (convolutions ~ 1/sqrt(fan-in), BN scales near 1, variances > 0) so
    that features stay finite. Each tensor is a strided view of a vector as long as the
    sum of its sides, so the file stays small."""
    gen = torch.Generator().manual_seed(seed)
    backbone = ResNet(depth=DEPTHS[name])
    shapes = {k: v.shape for k, v in backbone.state_dict().items()
              if not k.endswith('num_batches_tracked')}
    width = shapes['layer4.0.conv1.weight'][1] * (4 if DEPTHS[name] >= 50 else 1)
    shapes.update({'fc.weight': torch.Size([1000, width]), 'fc.bias': torch.Size([1000])})
    state = {}
    for key, shape in shapes.items():
        base = torch.randn(sum(shape), generator=gen)
        if key.endswith('running_var'):
            base = 1 + base.abs() * 0.1
        elif len(shape) == 1 and key.endswith('weight'):  # BN scales
            base = 1 + base * 0.1
        elif len(shape) == 1:  # BN shifts and means, fc's bias
            base = base * 0.1
        else:
            base = base * 0.5 / shape[1:].numel() ** 0.5
        state[key] = base.as_strided(shape, [1] * len(shape))
    return state


def write_standin(name: str) -> Path:
    """Writes the stand-in of ``torchvision://name`` where the loader reads it (the
    cache of the current ``$TORCH_HOME``); returns its path."""
    path = Path(resolve(f'torchvision://{name}')['path'])
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(standin_state(name), path)
    return path


def assert_holds_pretrained(backbone: torch.nn.Module, uri: str) -> int:
    """Every parameter and buffer of ``backbone`` (but BN's step counters) equals the
    cached file's tensor of the same name; returns how many were compared."""
    state = torch.load(resolve(uri)['path'])
    own = {k: v for k, v in backbone.state_dict().items()
           if not k.endswith('num_batches_tracked')}
    assert set(own) <= set(state), sorted(set(own) - set(state))[:5]
    for key, value in own.items():
        assert torch.equal(value, state[key].to(value.dtype)), key
    return len(own)
