# DN-Deformable-DETR R50, 50 epochs (Table 4: 48.6 AP): the baseline plus the denoising
# part of §4 with λ1 = λ2 = 0.4, γ = 0.2 and the 10 groups the paper uses for it (§5.1).
_base_ = './dab_deformable_detr_r50_50e.py'
model = dict(
    type='DNDeformableDETR',
    dn_cfg=dict(num_groups=10),
    bbox_head=dict(type='DNDABDETRHead'))
