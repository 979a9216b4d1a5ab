# DAB-DETR R50, 12 epochs (1x) with 3 pattern embeddings as the paper's 1x setting (§5.1).
_base_ = [
    './_base_/models/dab_detr_r50.py', './_base_/datasets/coco_detr.py',
    './_base_/schedules/adamw_12e.py', './_base_/default_runtime.py'
]
model = dict(num_patterns=3)
