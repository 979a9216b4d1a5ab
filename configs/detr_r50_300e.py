# DETR R50, 300 epochs (Table 3: 40.6 AP): lr x 0.1 at epoch 200 (DETR's 300-epoch schedule).
_base_ = './detr_r50_500e.py'
max_epochs = 300
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [
    dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True, milestones=[200],
         gamma=0.1)
]
