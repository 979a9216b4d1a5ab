# DN-Anchor-DETR DC5-R50, 12 epochs (Table 3: 39.4 AP): the baseline plus the denoising part of
# §4.7.1: 5 groups, label flipping γ = 0.2, centre shift λ1 = 0.4 only (2-D anchors).
_base_ = './anchor_detr_r50_dc5_12e.py'
model = dict(
    type='DNAnchorDETR',
    dn_cfg=dict(box_noise_scale=(0.4, 0.0)),
    bbox_head=dict(type='DNAnchorDETRHead'))
