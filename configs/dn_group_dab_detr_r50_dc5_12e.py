# DN-Group-DAB-DETR DC5-R50, 12 epochs (Table 3: 44.5 AP): the baseline plus the denoising
# part of §4 (λ1 = λ2 = 0.4, γ = 0.2, 5 groups) before its 11 matching groups.
_base_ = './group_dab_detr_r50_dc5_12e.py'
model = dict(
    type='DNGroupDABDETR',
    dn_cfg=dict(),
    bbox_head=dict(type='DNGroupDABDETRHead'))
