# Table 6 (and Table 5, first row): DN-DETR R50, 50 epochs, 1 denoising group (43.4 AP).
_base_ = '../dn_dab_detr_r50_50e.py'
model = dict(dn_cfg=dict(num_groups=1))
