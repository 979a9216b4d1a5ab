# The paper's 50-epoch schedule (§5.1): AdamW, lr 1e-4 (backbone 1e-5), weight decay 1e-4,
# gradient clipping at 0.1 as DAB-DETR, lr x0.1 at epoch 40; batch 16 (8 GPUs x 2).
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=1e-4, weight_decay=1e-4),
    clip_grad=dict(max_norm=0.1, norm_type=2),
    paramwise_cfg=dict(custom_keys={'backbone': dict(lr_mult=0.1, decay_mult=1.0)}))
max_epochs = 50
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
param_scheduler = [
    dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True, milestones=[40],
         gamma=0.1)
]
# lr is scaled from a total batch of 16 with --auto-scale-lr.
auto_scale_lr = dict(base_batch_size=16, enable=False)
