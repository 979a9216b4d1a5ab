"""Small batches of DetDataSamples and models built from configs, for model tests."""
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

import torch
from mmengine.config import Config
from mmengine.structures import InstanceData
from torch import nn
from torch.overrides import TorchFunctionMode

from mmdet.registry import MODELS
from mmdet.structures import DetDataSample
from mmdet.structures.mask import BitmapMasks

REPO = Path(__file__).resolve().parents[2]


def build_config_model(config: str, **model_options) -> nn.Module:
    """The model of a repo config (with ``model_options`` merged in), seeded and
    initialised."""
    cfg = Config.fromfile(REPO / config)
    cfg.model.update(model_options)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    return model


def make_samples(counts: Sequence[int], num_classes: int = 6, img_shape=(64, 80),
                 seed: int = 0) -> List[DetDataSample]:
    """One DetDataSample per entry of ``counts`` with that many random valid boxes."""
    gen = torch.Generator().manual_seed(seed)
    h, w = img_shape
    samples = []
    for i, n in enumerate(counts):
        xy = torch.rand(n, 2, generator=gen) * torch.tensor([w * 0.7, h * 0.7])
        wh = (torch.rand(n, 2, generator=gen) * 0.25 + 0.05) * torch.tensor([w, h])
        sample = DetDataSample(metainfo=dict(img_shape=img_shape, pad_shape=img_shape,
                                             batch_input_shape=img_shape, ori_shape=img_shape,
                                             scale_factor=(1., 1.), img_id=i,
                                             img_path=f'img_{i}.png'))
        sample.gt_instances = InstanceData(
            bboxes=torch.cat([xy, xy + wh], 1),
            labels=torch.randint(num_classes, (n, ), generator=gen))
        samples.append(sample)
    return samples


def add_box_masks(samples: List[DetDataSample]) -> List[DetDataSample]:
    """Gives each object an instance mask filling its (rounded) box, in the frame of
    the sample's ``img_shape``."""
    for sample in samples:
        h, w = sample.img_shape[:2]
        boxes = sample.gt_instances.bboxes.round().long().tolist()
        masks = torch.zeros(len(boxes), h, w, dtype=torch.uint8)
        for k, (x0, y0, x1, y1) in enumerate(boxes):
            masks[k, y0:y1 + 1, x0:x1 + 1] = 1
        sample.gt_instances.masks = BitmapMasks(masks.numpy(), h, w)
    return samples


def num_matching_queries(model) -> int:
    """L, the matching queries of a DETR-like model in its mode: its queries once per
    pattern and per active query group."""
    return model.num_queries * max(getattr(model, 'num_patterns', 0), 1) * \
        getattr(model, 'active_query_groups', 1)


def record_kwargs(monkeypatch, obj, name: str) -> dict:
    """Wraps ``obj.<name>`` so that each call's keyword arguments are recorded (the
    last call's kept) in the returned dict; the call itself goes on unchanged."""
    seen: dict = {}
    original = getattr(obj, name)

    def spy(*args, **kwargs):
        seen.update(kwargs)
        return original(*args, **kwargs)

    monkeypatch.setattr(obj, name, spy)
    return seen


class HostToDeviceCopies(TorchFunctionMode):
    """Records the blocking host-to-device copies made from Python while it is active:
    ``torch.tensor`` / ``torch.as_tensor`` / ``Tensor.new_tensor`` onto a device other
    than the CPU, and ``Tensor.to`` / ``Tensor.copy_`` from the CPU without
    ``non_blocking``. Run the code on the ``meta`` device to see them on a CPU machine
    (where a data-dependent synchronisation, e.g. ``.item()``, fails outright)."""

    def __init__(self) -> None:
        super().__init__()
        self.blocking: List[str] = []

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        name = getattr(func, '__name__', str(func))
        if name in ('tensor', 'as_tensor', 'new_tensor'):
            device = kwargs.get('device')
            if name == 'new_tensor' and device is None:
                device = args[0].device
            if device is not None and torch.device(device).type != 'cpu':
                self.blocking.append(name)
        elif name in ('to', 'copy_') and isinstance(args[0], torch.Tensor):
            source = args[1] if name == 'copy_' else args[0]
            target = args[0] if name == 'copy_' else next(
                (a for a in (*args[1:], kwargs.get('device'))
                 if isinstance(a, (str, torch.device))), None)
            target_type = getattr(target, 'device', target)
            crosses = (isinstance(source, torch.Tensor) and source.device.type == 'cpu'
                       and target_type is not None
                       and torch.device(target_type).type != 'cpu')
            non_blocking = kwargs.get('non_blocking', name == 'copy_' and len(args) > 2
                                      and args[2])
            if crosses and not non_blocking:
                self.blocking.append(name)
        return func(*args, **kwargs)


def mask_samples(counts: Sequence[int], shape: Tuple[int, int], img_shapes=None,
                 seed: int = 0, empty: Sequence[Tuple[int, int]] = (),
                 masks: Optional[Sequence[torch.Tensor]] = None) -> List[DetDataSample]:
    """:func:`make_samples` in a padded batch of ``shape`` (H, W), image i filling
    ``img_shapes[i]`` of it (all of it by default), each object's mask its box clipped to
    the image; object k of image i gets an empty mask where (i, k) is in ``empty``, and
    ``masks[i]`` (n, H, W) replaces image i's masks where given."""
    height, width = shape
    samples = make_samples(counts, img_shape=shape, seed=seed)
    for i, sample in enumerate(samples):
        img_shape = img_shapes[i] if img_shapes else shape
        sample.set_metainfo(dict(img_shape=img_shape, batch_input_shape=shape,
                                 pad_shape=shape))
        boxes = sample.gt_instances.bboxes
        boxes[:, 0::2].clamp_(max=img_shape[1] - 1)
        boxes[:, 1::2].clamp_(max=img_shape[0] - 1)
        m = torch.zeros(len(boxes), height, width, dtype=torch.uint8)
        for k, (x0, y0, x1, y1) in enumerate(boxes.round().long().tolist()):
            if (i, k) not in empty:
                m[k, y0:y1 + 1, x0:x1 + 1] = 1
        if masks is not None:
            m = masks[i]
        sample.gt_instances.masks = BitmapMasks(m.numpy(), height, width)
    return samples
