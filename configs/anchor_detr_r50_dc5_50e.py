# Anchor DETR DC5-R50, 50 epochs (Anchor DETR's paper: 44.2 AP): its official schedule,
# AdamW lr 1e-4 (backbone 1e-5), weight decay 1e-4, clipping 0.1, lr x 0.1 at epoch 40,
# batch 8 (8 GPUs x 1).
_base_ = [
    './_base_/models/anchor_detr_r50_dc5.py', './_base_/datasets/coco_detr.py',
    './_base_/schedules/adamw_50e.py', './_base_/default_runtime.py'
]
train_dataloader = dict(batch_size=1)
auto_scale_lr = dict(base_batch_size=8)
