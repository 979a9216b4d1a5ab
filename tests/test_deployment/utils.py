"""Demo-config detectors with scores spread apart, and padded batches."""
import torch
from torch import nn

from ..test_models.utils import build_config_model


def spread_detector(config: str) -> nn.Module:
    """The config's model, initialised, with its classification layers' weights drawn
    from N(0, 0.1): initialised heads give nearly equal scores (the prior), whose ranks
    two runtimes may swap; spread scores make the top-k the same set."""
    model = build_config_model(config)
    gen = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for name, param in model.named_parameters():
            if 'cls' in name and param.dim() > 1:
                param.copy_(torch.randn(param.shape, generator=gen) * 0.1)
    return model.eval()


def batch(sizes, height: int, width: int, seed: int = 0):
    """Random normalised images (len(sizes), 3, height, width) and their valid sizes."""
    gen = torch.Generator().manual_seed(seed)
    inputs = torch.randn(len(sizes), 3, height, width, generator=gen)
    return inputs, torch.tensor(sizes, dtype=torch.int64)
