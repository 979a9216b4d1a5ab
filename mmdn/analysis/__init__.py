"""Measurements of models: costs for the benchmark and cost-table tools, and the
anchor-target distance of §3.2."""
from .anchor_distance import matched_anchors
from .cost import (ModelCost, count_aten_ops, markdown_table, median_seconds,
                   num_classes_of, synthetic_batch)

__all__ = [
    'ModelCost', 'count_aten_ops', 'markdown_table', 'matched_anchors', 'median_seconds',
    'num_classes_of', 'synthetic_batch'
]
