# DN-DETR (DN-DAB-DETR) r50 dc5 12e (Table 2: 41.7 AP): the baseline plus the denoising part of
# §4 with the paper's λ1 = λ2 = 0.4, γ = 0.2 and 5 groups.
_base_ = './dab_detr_r50_dc5_12e.py'
model = dict(
    type='DNDABDETR',
    dn_cfg=dict(),
    bbox_head=dict(type='DNDABDETRHead'))
