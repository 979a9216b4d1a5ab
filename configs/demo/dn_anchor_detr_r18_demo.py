# DN-Anchor-DETR on the demo dataset: the demo Anchor DETR plus the denoising part (§4.7.1).
_base_ = './anchor_detr_r18_demo.py'
model = dict(
    type='DNAnchorDETR',
    dn_cfg=dict(box_noise_scale=(0.4, 0.0)),
    bbox_head=dict(type='DNAnchorDETRHead'))
