"""A pipeline check that every object of an instance-segmentation dataset has a mask."""
from mmcv.transforms import BaseTransform

from mmdet.registry import TRANSFORMS


@TRANSFORMS.register_module()
class CheckInstanceMasks(BaseTransform):
    """Fails naming the image and the object when an annotation has no mask.

    mmdet's COCO dataset keeps an annotation without (or with an empty) ``segmentation``
    as a box-only object, and ``LoadAnnotations(with_mask=True)`` then stops at a bare
    ``KeyError: 'mask'``. Put this transform before it in a segmentation pipeline.
    Ignored (crowd) objects are not checked: mmdet leaves them out of the targets.
    """

    def transform(self, results: dict) -> dict:
        for index, instance in enumerate(results.get('instances', [])):
            if 'mask' not in instance and not instance.get('ignore_flag', 0):
                raise ValueError(
                    f'image {results.get("img_path")}: object {index} (box '
                    f'{instance.get("bbox")}, label {instance.get("bbox_label")}) has no '
                    'segmentation, which an instance-segmentation config needs; give it '
                    'a mask or drop it from the annotation file')
        return results
