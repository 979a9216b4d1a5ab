# DAB-Deformable-DETR R101, 12 epochs (not in the paper): the baseline of Table 2's
# DN-Deformable-DETR-R101.
_base_ = './dab_deformable_detr_r50_12e.py'
model = dict(
    backbone=dict(depth=101,
                  init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet101')))
