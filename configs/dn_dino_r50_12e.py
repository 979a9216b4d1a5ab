# DINO-4scale R50 with DN-DETR's denoising, 12 epochs (Table 3: 47.4 AP, "DINO-R50 w/ DN"):
# the baseline plus 5 groups, λ1 = λ2 = 0.4, γ = 0.2, no negatives (§5.1).
_base_ = './dino_r50_nodn_12e.py'
model = dict(
    type='DNDINO',
    dn_cfg=dict(),
    bbox_head=dict(type='DNDINOHead'))
