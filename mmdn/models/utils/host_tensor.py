"""Tensors built from host data without blocking the host on a device's queue."""
from typing import Any, Union

import torch
from torch import Tensor


def host_tensor(data: Any, dtype: torch.dtype, device: Union[str, torch.device]) -> Tensor:
    """``torch.tensor(data, dtype=dtype, device=device)`` without a blocking copy.

    ``torch.tensor(data, device=device)`` with a GPU device copies from pageable memory
    and waits for the device's stream to drain before going on (a host-device
    synchronisation every train step). Here the data is laid out in pinned memory and
    copied ``non_blocking``; on the CPU it is built in place.
    """
    device = torch.device(device)
    if device.type == 'cpu':
        return torch.tensor(data, dtype=dtype)
    return torch.tensor(data, dtype=dtype, pin_memory=device.type == 'cuda').to(
        device, non_blocking=True)
