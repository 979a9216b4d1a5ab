# SAM-DETR++ R50, 12 epochs (Table 3: 43.2 AP): AdamW lr 1e-4 (backbone 1e-5), weight decay
# 1e-4, clipping 0.1, batch 16, lr x 0.1 at epoch 10 (the official 12-epoch schedule).
_base_ = [
    './_base_/models/sam_detr_pp_r50.py', './_base_/datasets/coco_detr.py',
    './_base_/schedules/adamw_12e.py', './_base_/default_runtime.py'
]
param_scheduler = [
    dict(type='MultiStepLR', begin=0, end=12, by_epoch=True, milestones=[10], gamma=0.1)
]
