# DAB-Deformable-DETR++ tuned to learn the demo set in a few CPU-minutes (with its DN delta,
# the `make demo` model): the demo DAB-Deformable-DETR++ with
# - a quarter-width ResNet-18 (16 base channels: the from-scratch backbone was two thirds of
#   a step at full width),
# - 3 scales C3-C5 (stride 8 kept for the small shapes, no stride-2 extra level: on images
#   of 128-256 px it was a few cells wide) and a 1-layer encoder (C3 quadruples the
#   encoder's tokens; with one layer a step costs less than C4, C5 and the extra level did
#   with three),
# - a 6-layer decoder, batch 4 (twice the updates of batch 8 for the same images),
# - AdamW lr 4e-4, fused (one operator for all parameters: -7,500 aten operators a step;
#   needs torch >= 2.4 on CPU), 14 epochs with lr x 0.1 at epoch 12, validation every 2.
_base_ = './dab_deformable_detr_pp_r18_demo.py'
model = dict(
    num_feature_levels=3,
    backbone=dict(base_channels=16, out_indices=(1, 2, 3)),
    neck=dict(in_channels=[32, 64, 128], num_outs=3),
    encoder=dict(num_layers=1),
    decoder=dict(num_layers=6))
optim_wrapper = dict(optimizer=dict(fused=True))
train_dataloader = dict(batch_size=4)
max_epochs = 14
train_cfg = dict(max_epochs=max_epochs, val_interval=2)
param_scheduler = [
    dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True, milestones=[12], gamma=0.1)
]
auto_scale_lr = dict(base_batch_size=4)
