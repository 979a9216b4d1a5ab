# DN-Vanilla-DETR on the demo dataset: the demo DETR plus the denoising part (§4.7.2).
_base_ = './detr_r18_demo.py'
model = dict(
    type='DNDETR',
    dn_cfg=dict(),
    bbox_head=dict(type='DNDETRHead'))
