# COCO 2017 with the standard single-scale training pipeline of CNN detectors (resize to
# 1333 x 800, flip); loaders and evaluation as the DETR one.
_base_ = './coco_detr.py'
train_pipeline = [
    dict(type='LoadImageFromFile', backend_args={{_base_.backend_args}}),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='Resize', scale=(1333, 800), keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs')
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
