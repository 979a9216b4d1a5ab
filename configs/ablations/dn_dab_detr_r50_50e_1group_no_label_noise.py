# Table 5: 1 group, box denoising and mask, no label flipping (43.0 AP).
_base_ = './dn_dab_detr_r50_50e_1group.py'
model = dict(dn_cfg=dict(with_label_noise=False))
