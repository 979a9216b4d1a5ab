# DAB-DETR R50, 12 epochs (1x) with 3 pattern embeddings as the paper's 1x setting (§5.1).
_base_ = './dab_detr_r50_50e.py'
model = dict(num_patterns=3)
max_epochs = 12
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [
    dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True, milestones=[11],
         gamma=0.1)
]
