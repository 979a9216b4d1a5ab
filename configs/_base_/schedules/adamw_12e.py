# The paper's 12-epoch (1x) schedule (§5.1): the 50-epoch schedule's optimiser, lr x 0.1 at
# epoch 11.
_base_ = './adamw_50e.py'
max_epochs = 12
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [
    dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True, milestones=[11],
         gamma=0.1)
]
