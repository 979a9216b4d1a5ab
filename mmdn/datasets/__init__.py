from .demo_shapes_dataset import DemoShapesDataset

__all__ = ['DemoShapesDataset']
