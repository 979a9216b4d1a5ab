"""Measurements of models: costs for the benchmark and cost-table tools."""
from .cost import (ModelCost, count_aten_ops, markdown_table, median_seconds,
                   num_classes_of, synthetic_batch)

__all__ = [
    'ModelCost', 'count_aten_ops', 'markdown_table', 'median_seconds', 'num_classes_of',
    'synthetic_batch'
]
