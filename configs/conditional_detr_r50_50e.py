# Conditional DETR R50, 50 epochs, as mmdet's conditional-detr_r50_8xb2-50e_coco: AdamW lr
# 1e-4 (backbone 1e-5), weight decay 1e-4, gradient clipping 0.1, lr x 0.1 at epoch 40,
# batch 16 (8 GPUs x 2), DETR's augmentation.
_base_ = [
    './_base_/models/conditional_detr_r50.py', './_base_/datasets/coco_detr.py',
    './_base_/schedules/adamw_50e.py', './_base_/default_runtime.py'
]
