# DETR R50, 500 epochs (Table 1: 42.0 AP): AdamW lr 1e-4 (backbone 1e-5), weight decay 1e-4,
# gradient clipping 0.1, lr x 0.1 at epoch 400 (Carion et al.).
_base_ = [
    './_base_/models/detr_r50.py', './_base_/datasets/coco_detr.py',
    './_base_/schedules/adamw_50e.py', './_base_/default_runtime.py'
]
max_epochs = 500
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [
    dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True, milestones=[400],
         gamma=0.1)
]
