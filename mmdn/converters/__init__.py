"""Conversion of checkpoints released with the paper to mmdn's models."""
from .dn_detr_official import (
    COCO_CATEGORY_IDS,
    ConversionError,
    convert_official,
    official_dn_dab_deformable_detr_encoder_only_shapes,
    official_dn_dab_deformable_detr_shapes,
    official_dn_dab_detr_shapes,
    official_family,
)

__all__ = [
    'COCO_CATEGORY_IDS', 'ConversionError', 'convert_official',
    'official_dn_dab_deformable_detr_encoder_only_shapes',
    'official_dn_dab_deformable_detr_shapes', 'official_dn_dab_detr_shapes', 'official_family'
]
