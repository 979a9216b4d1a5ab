# DAB-Deformable-DETR R50, 50 epochs (Table 4: 46.9 AP): the baseline of DN-Deformable-DETR.
_base_ = [
    './_base_/models/dab_deformable_detr_r50.py', './_base_/datasets/coco_detr.py',
    './_base_/schedules/adamw_50e.py', './_base_/default_runtime.py'
]
