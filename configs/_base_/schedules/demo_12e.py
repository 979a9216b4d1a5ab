# The demo schedule, sized for a 2-core CPU: AdamW lr 4e-4 (batch 8), clipping 0.1,
# 12 epochs with lr x 0.1 at epoch 10, validation and a checkpoint every 4 epochs, seed 0
# (runs differ only by the nondeterminism of CPU kernels and thread scheduling).
_base_ = '../default_runtime.py'
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=4e-4, weight_decay=1e-4),
    clip_grad=dict(max_norm=0.1, norm_type=2))

max_epochs = 12
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=4)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
param_scheduler = [
    dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True, milestones=[10], gamma=0.1)
]
default_hooks = dict(
    logger=dict(interval=10), checkpoint=dict(interval=4, max_keep_ckpts=1))
auto_scale_lr = dict(base_batch_size=8, enable=False)
randomness = dict(seed=0)
