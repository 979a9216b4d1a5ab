# DN-Vanilla-DETR R50, 500 epochs (§4.7.2; not in the paper's tables at this schedule): the
# baseline plus the denoising part of §4 with λ1 = λ2 = 0.4, γ = 0.2 and 5 groups.
_base_ = './detr_r50_500e.py'
model = dict(
    type='DNDETR',
    dn_cfg=dict(),
    bbox_head=dict(type='DNDETRHead'))
