# DN-Deformable-DETR R101, 12 epochs (Table 2: 44.1 AP): the baseline plus the denoising
# part of §4 with λ1 = λ2 = 0.4, γ = 0.2 and 10 groups (§5.1).
_base_ = './dab_deformable_detr_r101_12e.py'
model = dict(
    type='DNDeformableDETR',
    dn_cfg=dict(num_groups=10),
    bbox_head=dict(type='DNDABDETRHead'))
