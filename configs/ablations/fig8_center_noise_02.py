# Fig. 8: centre-shift noise λ1 = 0.2 with box-scale noise λ2 = 0.4.
_base_ = './dn_dab_detr_r50_20e_bs64_noise.py'
model = dict(dn_cfg=dict(box_noise_scale=(0.2, 0.4)))
