# DAB-DETR R101, 50 epochs (Table 1: 43.5 AP).
_base_ = './dab_detr_r50_50e.py'
model = dict(
    backbone=dict(depth=101,
                  init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet101')))
