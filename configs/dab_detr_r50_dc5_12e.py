# DAB-DETR DC5-R50, 12 epochs with 3 patterns (Table 2: 38.0 AP).
_base_ = './dab_detr_r50_12e.py'
# DC5: stride 16 by dilating the last stage, laid out as torchvision's (official models).
model = dict(
    backbone=dict(
        type='ResNetTorchvisionDilation', strides=(1, 2, 2, 1), dilations=(1, 1, 1, 2)))
