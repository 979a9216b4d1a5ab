# Known-label detection fine-tuned for 1 epoch (§5.7.1, its Table 4: 43.8 AP).
_base_ = './dn_dab_detr_r50_known_labels_ft10e.py'
max_epochs = 1
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [
    dict(type='ConstantLR', factor=1.0, begin=0, end=max_epochs, by_epoch=True)
]
