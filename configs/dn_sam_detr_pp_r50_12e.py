# DN-SAM-DETR++ R50, 12 epochs (Table 3: 44.8 AP): the baseline plus the denoising part of
# §4 (λ1 = λ2 = 0.4, γ = 0.2, 5 groups).
_base_ = './sam_detr_pp_r50_12e.py'
model = dict(
    type='DNSAMDETRPP',
    dn_cfg=dict(),
    bbox_head=dict(type='DNSAMDETRHead'))
