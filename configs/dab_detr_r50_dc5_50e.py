# DAB-DETR DC5-R50, 50 epochs (Table 1: 44.5 AP). DC5: last stage dilated, stride 16.
_base_ = './dab_detr_r50_50e.py'
# DC5: stride 16 by dilating the last stage, laid out as torchvision's (official models).
model = dict(
    backbone=dict(
        type='ResNetTorchvisionDilation', strides=(1, 2, 2, 1), dilations=(1, 1, 1, 2)))
