# DN-Deformable-DETR++ R50, 50 epochs (Tables 1 and 4: 49.5 AP): the baseline plus the
# denoising part of §4 with λ1 = λ2 = 0.4, γ = 0.2 and 5 groups (§5.1).
_base_ = './dab_deformable_detr_pp_r50_50e.py'
model = dict(
    type='DNDeformableDETRPP',
    dn_cfg=dict(),
    bbox_head=dict(type='DNDeformableDETRPPHead'))
