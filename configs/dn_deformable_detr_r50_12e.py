# DN-Deformable-DETR R50, 12 epochs (Table 2: 43.4 AP): the baseline plus the denoising
# part of §4 with λ1 = λ2 = 0.4, γ = 0.2 and 10 groups (§5.1).
_base_ = './dab_deformable_detr_r50_12e.py'
model = dict(
    type='DNDeformableDETR',
    dn_cfg=dict(num_groups=10),
    bbox_head=dict(type='DNDABDETRHead'))
