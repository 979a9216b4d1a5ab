from .check_instance_masks import CheckInstanceMasks
from .demo_shapes_dataset import DemoShapesDataset

__all__ = ['CheckInstanceMasks', 'DemoShapesDataset']
