# Known-label detection (§5.7.1) on the demo: fine-tunes the demo DN-DAB-DETR trained by
# `make demo-dn-dab-detr` (work_dirs/demo_dn_dab_detr/epoch_12.pth) for 2 epochs given each
# image's class labels, at the demo schedule's final lr (4e-5), held constant.
_base_ = '../dn_dab_detr_r18_demo.py'
model = dict(type='KnownLabelDNDABDETR')
load_from = 'work_dirs/demo_dn_dab_detr/epoch_12.pth'
optim_wrapper = dict(optimizer=dict(lr=4e-5))
max_epochs = 2
train_cfg = dict(max_epochs=max_epochs, val_interval=1)
param_scheduler = [
    dict(type='ConstantLR', factor=1.0, begin=0, end=max_epochs, by_epoch=True)
]
default_hooks = dict(checkpoint=dict(interval=1))
