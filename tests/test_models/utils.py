"""Small batches of DetDataSamples for model tests."""
from typing import List, Sequence

import torch
from mmengine.structures import InstanceData

from mmdet.structures import DetDataSample


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
