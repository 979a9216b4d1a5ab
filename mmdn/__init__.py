"""mmdn: DN-DETR denoising training for DETR-like detectors on MMDetection 3.x.

Importing the package registers its modules into mmdet's registries and lets
``torch.load`` read MMEngine checkpoints under torch >= 2.6 (see
:mod:`mmdn.engine.checkpoint`), and resolves ``torchvision://`` pretrained weights
without torchvision (:mod:`mmdn.engine.pretrained`).
"""
from . import datasets, engine, models  # noqa: F401
from .engine import register_checkpoint_loading, register_pretrained_loading

__version__ = '0.1.0'

register_checkpoint_loading()
register_pretrained_loading()
