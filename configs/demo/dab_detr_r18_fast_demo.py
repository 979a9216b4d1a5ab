# DAB-DETR tuned to learn the demo set in 15 CPU-minutes (single scale, DAB-DETR's decoder
# and 4-D anchors unchanged): the demo DAB-DETR with
# - a quarter-width ResNet-18 (16 base channels) cut after C4 (stride 16, 64 channels):
#   no C5 stage, as the demo DAB-DETR reads C5 dilated to stride 16,
# - a 1-layer encoder and a 3-layer decoder (the step is bound by its operator count:
#   3 decoder layers fit 83 epochs in 15 minutes where 6 fit 61),
# - batch 8 (a step costs ~1.05x batch 4's) and AdamW lr 4e-4, fused,
# - 83 epochs with lr x 0.1 at epoch 71, validation every 8.
_base_ = './dab_detr_r18_demo.py'
model = dict(
    backbone=dict(base_channels=16, num_stages=3, strides=(1, 2, 2), dilations=(1, 1, 1),
                  out_indices=(2, )),
    neck=dict(in_channels=[64]),
    encoder=dict(num_layers=1),
    decoder=dict(num_layers=3))
optim_wrapper = dict(optimizer=dict(fused=True))
max_epochs = 83
train_cfg = dict(max_epochs=max_epochs, val_interval=8)
param_scheduler = [
    dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True, milestones=[71], gamma=0.1)
]
default_hooks = dict(checkpoint=dict(interval=8))
