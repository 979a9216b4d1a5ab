# DN-Anchor-DETR DC5-R50, 50 epochs (not in the paper): the baseline plus the denoising part of
# §4.7.1: 5 groups, label flipping γ = 0.2, centre shift λ1 = 0.4 only (2-D anchors).
_base_ = './anchor_detr_r50_dc5_50e.py'
model = dict(
    type='DNAnchorDETR',
    dn_cfg=dict(box_noise_scale=(0.4, 0.0)),
    bbox_head=dict(type='DNAnchorDETRHead'))
