"""What a model costs: parameters, FLOPs, step times and aten operators, on a synthetic
batch (random weights, no data, no downloads)."""
import statistics
import time
from typing import Callable, Dict, List, Sequence, Tuple, Union

import numpy as np
import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.structures import InstanceData
from torch.profiler import ProfilerActivity, profile
from torch.utils.flop_counter import FlopCounterMode

from mmdet.registry import MODELS
from mmdet.structures import DetDataSample
from mmdet.structures.mask import BitmapMasks


def synthetic_batch(num_images: int, objects: int, shape: Tuple[int, int], num_classes: int,
                    seed: int = 0, with_masks: bool = False) -> Dict:
    """uint8 images and DetDataSamples with random boxes, as the dataloader gives them;
    ``with_masks``: each object's instance mask, an ellipse inscribed in its box."""
    gen = torch.Generator().manual_seed(seed)
    h, w = shape
    images, samples = [], []
    for _ in range(num_images):
        images.append(torch.randint(0, 256, (3, h, w), dtype=torch.uint8, generator=gen))
        xy = torch.rand(objects, 2, generator=gen) * torch.tensor([w * 0.7, h * 0.7])
        wh = (torch.rand(objects, 2, generator=gen) * 0.25 + 0.05) * torch.tensor([w, h])
        sample = DetDataSample(metainfo=dict(img_shape=(h, w), ori_shape=(h, w),
                                             scale_factor=(1., 1.)))
        sample.gt_instances = InstanceData(
            bboxes=torch.cat([xy, xy + wh], 1),
            labels=torch.randint(num_classes, (objects, ), generator=gen))
        if with_masks:
            ys, xs = torch.meshgrid(torch.arange(h) + .5, torch.arange(w) + .5,
                                    indexing='ij')
            centre, half = xy + wh / 2, wh / 2
            inside = ((xs - centre[:, 0, None, None]) / half[:, 0, None, None])**2 + \
                ((ys - centre[:, 1, None, None]) / half[:, 1, None, None])**2 <= 1
            sample.gt_instances.masks = BitmapMasks(inside.numpy().astype(np.uint8), h, w)
        samples.append(sample)
    return dict(inputs=images, data_samples=samples)


def num_classes_of(cfg: Config) -> int:
    """The number of classes of a DETR-like, a two-stage or a Mask2Former config."""
    if 'panoptic_head' in cfg.model:
        head = cfg.model.panoptic_head
        return head.num_things_classes + head.num_stuff_classes
    head = cfg.model.get('bbox_head') or cfg.model.roi_head.bbox_head
    return head.num_classes


def trains_on_masks(cfg: Config) -> bool:
    """Whether the config's model learns instance masks (Mask2Former, Mask DINO)."""
    return 'panoptic_head' in cfg.model or cfg.model.type == 'MaskDINO'


class ModelCost:
    """One config's model (random weights), optimizer and synthetic batch.

    Args:
        config (str | Config): the config file, or a loaded config.
        shape (tuple[int, int]): image (h, w).
        num_images (int): images a step.
        objects (int): ground-truth objects an image.
        device (str): where to run.
    """

    def __init__(self, config: Union[str, Config], shape: Tuple[int, int], num_images: int,
                 objects: int, device: str) -> None:
        cfg = config if isinstance(config, Config) else Config.fromfile(config)
        cfg.model.backbone.init_cfg = None
        torch.manual_seed(0)
        self.name = cfg.filename
        self.model = MODELS.build(cfg.model).to(device)
        self.model.init_weights()
        self.optim_wrapper = build_optim_wrapper(self.model, cfg.optim_wrapper)
        self.batch = synthetic_batch(num_images, objects, shape, num_classes_of(cfg),
                                     with_masks=trains_on_masks(cfg))
        self.num_images = num_images
        self.device = device

    def _sync(self) -> None:
        if self.device.startswith('cuda'):
            torch.cuda.synchronize()

    def train_step(self) -> Dict[str, torch.Tensor]:
        """Forward, loss, backward and optimizer step; returns the logged losses."""
        self.model.train()
        log_vars = self.model.train_step(self.batch, self.optim_wrapper)
        self._sync()
        return log_vars

    @torch.no_grad()
    def test_step(self) -> None:
        """Inference."""
        self.model.eval()
        self.model.test_step(self.batch)
        self._sync()

    def num_params(self) -> int:
        return sum(p.numel() for p in self.model.parameters())

    def gflops_per_image(self) -> Tuple[float, float]:
        """(train, test) GFLOPs of the forward pass, per image, as torch's FLOP
        counter counts them (matrix products and convolutions; the sampling of
        deformable attention is not counted). Train is the loss-mode forward, with any
        denoising part; test is inference."""
        results = []
        # Counted with the parameters frozen: the counter's module tracker puts autograd
        # hooks on module inputs that require grad, and fails on a view of a parameter
        # made under no_grad (DINO's expanded query embedding).
        trainable = [p for p in self.model.parameters() if p.requires_grad]
        for param in trainable:
            param.requires_grad_(False)
        try:
            for training in (True, False):
                self.model.train(training)
                data = self.model.data_preprocessor(self.batch, training)
                with torch.no_grad(), FlopCounterMode(display=False) as counter:
                    self.model(**data, mode='loss' if training else 'predict')
                results.append(counter.get_total_flops() / 1e9 / self.num_images)
        finally:
            for param in trainable:
                param.requires_grad_(True)
        return results[0], results[1]


def median_seconds(fn: Callable[[], None], steps: int, warmup: int = 1) -> float:
    """Median wall time of ``fn`` over ``steps`` runs after ``warmup`` untimed ones."""
    for _ in range(warmup):
        fn()
    times: List[float] = []
    for _ in range(steps):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def count_aten_ops(fn: Callable[[], None]) -> int:
    """aten operators called in one run of ``fn`` (nested calls included)."""
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        fn()
    return sum(1 for e in prof.events() if e.name.startswith('aten::'))


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A markdown table."""
    lines = ['| ' + ' | '.join(header) + ' |', '|' + '---|' * len(header)]
    lines += ['| ' + ' | '.join(row) + ' |' for row in rows]
    return '\n'.join(lines)
