# DN-Conditional-DETR on the demo dataset: the demo Conditional DETR plus the denoising part.
_base_ = './conditional_detr_r18_demo.py'
model = dict(
    type='DNConditionalDETR',
    dn_cfg=dict(),
    bbox_head=dict(type='DNConditionalDETRHead'))
