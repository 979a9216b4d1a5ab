# DAB-DETR R101, 12 epochs with 3 patterns (not in the paper).
_base_ = './dab_detr_r50_12e.py'
model = dict(
    backbone=dict(depth=101,
                  init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet101')))
