# Table 5 completed: 1 group, label denoising and mask, no box noise (not in the paper).
_base_ = './dn_dab_detr_r50_50e_1group.py'
model = dict(dn_cfg=dict(with_box_noise=False))
