# DN-DETR (DN-DAB-DETR) r101 dc5 50e (Table 1: 47.3 AP): the baseline plus the denoising part of
# §4 with the paper's λ1 = λ2 = 0.4, γ = 0.2 and 5 groups.
_base_ = './dab_detr_r101_dc5_50e.py'
model = dict(
    type='DNDABDETR',
    dn_cfg=dict(),
    bbox_head=dict(type='DNDABDETRHead'))
