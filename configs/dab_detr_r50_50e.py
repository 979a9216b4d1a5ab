# DAB-DETR R50, 50 epochs: the paper's baseline (Table 1: 42.2 AP).
_base_ = [
    './_base_/models/dab_detr_r50.py', './_base_/datasets/coco_detr.py',
    './_base_/schedules/adamw_50e.py', './_base_/default_runtime.py'
]
