"""Deployment: ONNX export of the inference graph (onnx and onnxruntime are the
``deploy`` extra, imported only when exporting)."""
from .exportable_detector import ExportableDetector
from .load_detector import config_classes, load_detector
from .onnx_export import (
    example_inputs,
    export_onnx,
    max_detections,
    min_input_size,
    onnx_export_context,
    preprocessing_metadata,
)
from .parity import detection_difference

__all__ = [
    'ExportableDetector', 'config_classes', 'load_detector', 'example_inputs',
    'detection_difference', 'export_onnx', 'max_detections', 'min_input_size',
    'onnx_export_context', 'preprocessing_metadata'
]
