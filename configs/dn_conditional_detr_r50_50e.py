# DN-Conditional-DETR R50, 50 epochs: the baseline plus the denoising part of §4 with
# λ1 = λ2 = 0.4, γ = 0.2 and 5 groups.
_base_ = './conditional_detr_r50_50e.py'
model = dict(
    type='DNConditionalDETR',
    dn_cfg=dict(),
    bbox_head=dict(type='DNConditionalDETRHead'))
