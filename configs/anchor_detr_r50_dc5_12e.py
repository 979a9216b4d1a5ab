# Anchor DETR DC5-R50, 12 epochs (1x), lr x 0.1 at epoch 11 (Table 3: 38.2 AP), batch 8
# (8 GPUs x 1) as its official schedule.
_base_ = [
    './_base_/models/anchor_detr_r50_dc5.py', './_base_/datasets/coco_detr.py',
    './_base_/schedules/adamw_12e.py', './_base_/default_runtime.py'
]
train_dataloader = dict(batch_size=1)
auto_scale_lr = dict(base_batch_size=8)
