# Fig. 8's setting: DN-DETR R50, 20 epochs, batch 64 (8 GPUs x 8), no lr drop, with the
# default noise λ1 = λ2 = 0.4; the fig8_* configs change one scale at a time.
_base_ = '../dn_dab_detr_r50_50e.py'
train_dataloader = dict(batch_size=8)
max_epochs = 20
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [dict(type='ConstantLR', factor=1.0, by_epoch=True, begin=0, end=max_epochs)]
auto_scale_lr = dict(base_batch_size=64)
