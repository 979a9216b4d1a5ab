"""Measurements of models: costs for the benchmark and cost-table tools, the
anchor-target distance of §3.2, the class splits of known-object detection (§5.7.1) and
DN-Mask2Former's first-layer denoising masks (§4.9); :mod:`.gpu_check`, the GPU
acceptance check."""
from .anchor_distance import matched_anchors, mean_distances
from .cost import (
    ModelCost,
    count_aten_ops,
    markdown_table,
    median_seconds,
    num_classes_of,
    synthetic_batch,
)
from .dn_mask_coverage import empty_shares, first_layer_rows
from .known_classes import known_class_split, unknown_class_annotations

__all__ = [
    'ModelCost', 'count_aten_ops', 'empty_shares', 'first_layer_rows', 'known_class_split',
    'markdown_table', 'matched_anchors', 'mean_distances', 'median_seconds', 'num_classes_of',
    'synthetic_batch', 'unknown_class_annotations'
]
