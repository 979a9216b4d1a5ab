# The 12-epoch schedule of the LSJ segmentation models (Mask2Former, Mask DINO): 90k
# iterations at batch 16 (12 COCO epochs), lr x 0.1 at the fractions of the official
# 50-epoch schedules (0.889 and 0.963), validation and a checkpoint every 5k iterations.
_base_ = '../default_runtime.py'
max_iters = 90000
param_scheduler = dict(type='MultiStepLR', begin=0, end=max_iters, by_epoch=False,
                       milestones=[80000, 86667], gamma=0.1)
interval = 5000
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=interval,
                 dynamic_intervals=[(max_iters // interval * interval + 1, max_iters)])
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(checkpoint=dict(type='CheckpointHook', by_epoch=False, save_last=True,
                                     max_keep_ckpts=3, interval=interval))
log_processor = dict(type='LogProcessor', window_size=50, by_epoch=False)
auto_scale_lr = dict(enable=False, base_batch_size=16)
