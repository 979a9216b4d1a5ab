# DN-Vanilla-DETR R50, 300 epochs (Table 3: 42.6 AP): the baseline plus the denoising part
# of §4 with λ1 = λ2 = 0.4, γ = 0.2 and 5 groups.
_base_ = './detr_r50_300e.py'
model = dict(
    type='DNDETR',
    dn_cfg=dict(),
    bbox_head=dict(type='DNDETRHead'))
