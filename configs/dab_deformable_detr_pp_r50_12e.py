# DAB-Deformable-DETR++ R50, 12 epochs (1x): lr x 0.1 at epoch 11.
_base_ = [
    './_base_/models/dab_deformable_detr_pp_r50.py', './_base_/datasets/coco_detr.py',
    './_base_/schedules/adamw_12e.py', './_base_/default_runtime.py'
]
