# Table 5: 1 group, box and label denoising, no attention mask (24.0 AP: the matching part
# sees the noised ground truth).
_base_ = './dn_dab_detr_r50_50e_1group.py'
model = dict(dn_cfg=dict(with_attn_mask=False))
