# Anchor DETR DC5-R50, 12 epochs (1x), lr x 0.1 at epoch 11 (Table 3: 38.2 AP).
_base_ = './anchor_detr_r50_dc5_50e.py'
max_epochs = 12
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [
    dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True, milestones=[11],
         gamma=0.1)
]
