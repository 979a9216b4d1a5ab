"""Every config in configs/ builds its model as written, initialises it (ImageNet weights
from the stand-in cache where it names them), runs a train step (loss, backward,
optimizer step) and a test step on a tiny input, and its training pipeline runs on a demo
image.

Configs that differ only outside their model and optimizer (a 12e and a 50e schedule of
one model, a dataset variant) step once for all: the step depends on nothing else. Every
config is still loaded and checked for what it declares."""
import copy
import functools
from collections import defaultdict
from pathlib import Path
from typing import Dict, List

import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import Compose
from mmengine.optim import build_optim_wrapper

from mmdet.registry import MODELS
from mmdn.engine import pretrained_uris
from ..pretrained import assert_holds_pretrained
from ..test_models.utils import add_box_masks, make_samples

REPO = Path(__file__).resolve().parents[2]
CONFIGS = sorted(str(p.relative_to(REPO)) for p in (REPO / 'configs').rglob('*.py')
                 if '_base_' not in p.parts)


@functools.lru_cache(maxsize=None)
def _load(config: str) -> Config:
    return Config.fromfile(REPO / config)


def load_config(config: str) -> Config:
    """``config`` parsed once a process (MMEngine takes ~0.1 s a file); a copy."""
    return copy.deepcopy(_load(config))


def _same_step_groups() -> Dict[str, List[str]]:
    """The configs grouped by their model and optimizer, keyed by each group's first."""
    groups = defaultdict(list)
    for config in CONFIGS:
        cfg = _load(config)
        groups[repr(cfg.model.to_dict()), repr(cfg.optim_wrapper.to_dict())].append(config)
    return {members[0]: members for members in groups.values()}


SAME_STEP = _same_step_groups()


def test_configs_are_found():
    assert len(CONFIGS) >= 32 and 'configs/dn_dab_detr_r50_50e.py' in CONFIGS


def test_every_paper_config_names_imagenet_weights():
    """The paper's models (all but the demo ones) start from torchvision's ResNet-50 or
    ResNet-101, DC5 included; so do the dense-scene, known-class and own-dataset ones."""
    for config in CONFIGS:
        if '/demo/' in config:
            continue
        model = load_config(config).model
        depth = model.backbone.depth
        assert pretrained_uris(model) == [f'torchvision://resnet{depth}'], config


def _is_mask_dino(model) -> bool:
    return type(model).__name__ == 'MaskDINO'


def _encoder_tokens(shape, num_levels: int) -> int:
    """Tokens of an encoder reading strides 8, 16, ... (``num_levels`` of them)."""
    return sum(-(-shape[0] // 2**i) * -(-shape[1] // 2**i) for i in range(3, 3 + num_levels))


def _tiny_shape(model):
    """64 x 96; for two-stage query selection (DINO, Mask DINO), which takes the top
    num_queries encoder tokens, the smallest of a few sizes that has that many."""
    if _is_mask_dino(model):
        head = model.bbox_head
        queries, levels = head.num_queries, head.pixel_decoder.num_encoder_levels
    elif getattr(model, 'as_two_stage', False):
        queries, levels = model.num_queries, model.num_feature_levels
    else:
        return (64, 96)
    return next(shape for shape in ((64, 96), (128, 160), (192, 256), (256, 320))
                if _encoder_tokens(shape, levels) >= queries)


def _tiny_batch(model, num_classes):
    shape = _tiny_shape(model)
    samples = make_samples([2, 1], num_classes=num_classes, img_shape=shape)
    if hasattr(model, 'panoptic_head') or _is_mask_dino(model):
        add_box_masks(samples)
    images = [torch.randint(0, 256, (3, *shape), dtype=torch.uint8) for _ in samples]
    return model.data_preprocessor(dict(inputs=images, data_samples=samples), training=True)


def _is_dn(config: str) -> bool:
    """Whether the config's name says it denoises (Mask DINO's pair both denoise boxes,
    with and without mask denoising)."""
    name = Path(config).name
    return name.startswith(('dn_', 'mask_dino_')) or '_cdn_' in name or \
        '/ablations/' in config


def test_configs_that_step_alike_share_their_model_and_optimizer():
    """The grouping behind the step test: every config in exactly one group, groups of
    one model and optimizer (12e/50e schedules, dataset variants), none mixing baseline
    and DN."""
    members = [c for group in SAME_STEP.values() for c in group]
    assert sorted(members) == CONFIGS
    assert ['configs/dn_detr_r50_300e.py', 'configs/dn_detr_r50_500e.py'] in \
        SAME_STEP.values()
    assert len(SAME_STEP) < len(CONFIGS)
    for group in SAME_STEP.values():
        assert len({_is_dn(c) for c in group}) == 1, group


@pytest.mark.parametrize('config', list(SAME_STEP))
def test_config_train_and_test_step(config):
    """``config`` and the configs of its group (same model and optimizer)."""
    for member in SAME_STEP[config]:
        cfg = load_config(member)
        assert cfg.default_scope == 'mmdet' and 'mmdn' in cfg.custom_imports.imports, member
    cfg = load_config(config)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    uris = pretrained_uris(cfg.model)
    if uris:  # the backbone holds the cached file's tensors
        assert uris == [cfg.model.backbone.init_cfg.checkpoint]
        assert assert_holds_pretrained(model.backbone, uris[0]) > 100
    # A tiny input, not Mask2Former's fixed 1024 x 1024 training pad (minutes on a CPU).
    model.data_preprocessor.batch_augments = None
    is_dn = _is_dn(config)
    if hasattr(model, 'panoptic_head'):  # Mask2Former: the head owns the denoising part
        num_classes = model.panoptic_head.num_classes
        generator = getattr(model.panoptic_head, 'dn_generator', None)
    elif _is_mask_dino(model):  # so does Mask DINO
        num_classes = model.bbox_head.num_classes
        generator = model.bbox_head.dn_generator
    else:
        dn_owner = model.roi_head if hasattr(model, 'roi_head') else model
        num_classes = (model.roi_head.bbox_head if hasattr(model, 'roi_head') else
                       model.bbox_head).num_classes
        generator = getattr(dn_owner, 'dn_query_generator', None)
    if is_dn:
        assert generator.num_classes == num_classes
    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    model.train()
    data = _tiny_batch(model, num_classes)
    log_vars = model.train_step(data, optim_wrapper)
    assert torch.isfinite(log_vars['loss'])
    assert ('dn_loss_cls' in log_vars) == is_dn
    model.eval()
    with torch.no_grad():
        results = model.test_step(_tiny_batch(model, num_classes))
    assert len(results) == 2
    if cfg.model.type in ('KnownObjectDNDABDETR', 'KnownLabelDNDABDETR'):
        # Detections of the unknown classes / of the image's labels only.
        assert len(results[0].pred_instances) <= cfg.model.test_cfg.max_per_img
    elif 'max_per_img' in cfg.model.test_cfg:  # DETR-like: exactly max_per_img detections
        assert results[0].pred_instances.bboxes.shape == (cfg.model.test_cfg.max_per_img, 4)
    elif 'max_per_image' in cfg.model.test_cfg:  # Mask2Former, Mask DINO: top-k masks
        k, shape = cfg.model.test_cfg.max_per_image, results[0].ori_shape
        assert results[0].pred_instances.masks.shape == (k, *shape)
        assert results[0].pred_instances.bboxes.shape == (k, 4)
    else:  # two-stage: at most, after the score threshold and NMS
        assert len(results[0].pred_instances) <= cfg.model.test_cfg.rcnn.max_per_img


@pytest.mark.parametrize('config', [c for c in CONFIGS if '/ablations/' not in c])
def test_config_train_pipeline_on_a_demo_image(config, demo_data):
    cfg = load_config(config)
    pipeline = Compose(cfg.train_dataloader.dataset.pipeline)
    out = pipeline(dict(img_path=str(demo_data / 'train' / '000000.png'), img_id=1,
                        instances=[dict(bbox=[10., 12., 60., 70.], bbox_label=0,
                                        ignore_flag=0,
                                        mask=[[10., 12., 60., 12., 60., 70., 10., 70.]])]))
    assert out is not None and out['inputs'].dim() == 3


def test_focal_loss_models_normalise_by_the_objects_of_all_ranks():
    """As the official code's all-reduced ``num_boxes``; vanilla DETR's cross entropy
    and Faster R-CNN are averaged per rank, as their own code does."""
    others = []
    for config in CONFIGS:
        model = load_config(config).model
        if 'panoptic_head' in model:  # Mask2Former's cross entropy, its own normaliser
            continue
        if model.type == 'MaskDINO':  # its head all-reduces the number of objects itself
            continue
        head = model.get('bbox_head')
        if head is not None and head.loss_cls.type == 'FocalLoss':
            assert head.get('sync_cls_avg_factor') is True, config
        else:
            others.append(Path(config).name)
    assert others and all(name.removeprefix('dn_').startswith(('detr_', 'faster_rcnn_'))
                          for name in others), others
