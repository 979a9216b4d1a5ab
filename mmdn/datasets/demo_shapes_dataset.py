"""The embedded demo dataset's class for configs: its class names in one place."""
from mmdet.datasets import CocoDataset
from mmdet.registry import DATASETS
from .demo_shapes import DEMO_CLASSES, HUES


@DATASETS.register_module()
class DemoShapesDataset(CocoDataset):
    """mmdet's COCO dataset with the demo's six shape classes (written by
    :func:`~mmdn.datasets.demo_shapes.make_demo_dataset`), each drawn in its typical hue."""

    METAINFO = dict(classes=DEMO_CLASSES, palette=list(HUES))
