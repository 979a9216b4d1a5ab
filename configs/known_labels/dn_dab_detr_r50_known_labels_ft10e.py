# Known-label detection (§5.7.1, its Table 4: 46.6 AP after 10 epochs; the same DN-DETR
# without labels, 43.4): fine-tunes DN-DAB-DETR R50 (1 denoising group, 50 epochs) given
# each image's class labels, without boxes. Starts from that model's last checkpoint
# (tools/train.py configs/ablations/dn_dab_detr_r50_50e_1group.py) at its final lr (1e-5,
# backbone 1e-6), held constant. Evaluate it, and the model before fine-tuning, with
# tools/test.py THIS_CONFIG CHECKPOINT; without labels, with the ablation config.
_base_ = '../ablations/dn_dab_detr_r50_50e_1group.py'
model = dict(type='KnownLabelDNDABDETR')
load_from = 'work_dirs/dn_dab_detr_r50_50e_1group/epoch_50.pth'
optim_wrapper = dict(optimizer=dict(lr=1e-5))
max_epochs = 10
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [
    dict(type='ConstantLR', factor=1.0, begin=0, end=max_epochs, by_epoch=True)
]
