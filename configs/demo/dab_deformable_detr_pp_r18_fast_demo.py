# DAB-Deformable-DETR++ tuned to learn the demo set in a few CPU-minutes (with its DN delta,
# the `make demo` model): the demo DAB-Deformable-DETR++ with a half-width ResNet-18
# (32 base channels: the backbone was two thirds of a step), batch 4 (twice the updates
# for the same images; batch 2 learnt less per CPU-minute), lr 4e-4, 16 epochs with lr x 0.1
# at epoch 14, validation every 4 epochs.
_base_ = './dab_deformable_detr_pp_r18_demo.py'
model = dict(backbone=dict(base_channels=32), neck=dict(in_channels=[128, 256]))
train_dataloader = dict(batch_size=4)
max_epochs = 16
train_cfg = dict(max_epochs=max_epochs, val_interval=4)
param_scheduler = [
    dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True, milestones=[14], gamma=0.1)
]
auto_scale_lr = dict(base_batch_size=4)
