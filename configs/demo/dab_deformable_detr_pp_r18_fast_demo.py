# DAB-Deformable-DETR++ tuned to learn the demo set in a few CPU-minutes (with its DN delta,
# the `make demo` model): the demo DAB-Deformable-DETR++ with a half-width ResNet-18
# (32 base channels: the backbone was two thirds of a step), a 6-layer decoder (+17 % a
# step at 30 queries; ahead of 3 layers at 7 of 8 evaluations), batch 4 (twice the
# updates for the same images; batch 2 and 8 learnt less per CPU-minute), lr 4e-4,
# 14 epochs with lr x 0.1 at epoch 12, validation every 2 epochs.
_base_ = './dab_deformable_detr_pp_r18_demo.py'
model = dict(
    backbone=dict(base_channels=32),
    neck=dict(in_channels=[128, 256]),
    decoder=dict(num_layers=6))
train_dataloader = dict(batch_size=4)
max_epochs = 14
train_cfg = dict(max_epochs=max_epochs, val_interval=2)
param_scheduler = [
    dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True, milestones=[12], gamma=0.1)
]
auto_scale_lr = dict(base_batch_size=4)
