# DN-DETR (DN-DAB-DETR) r50 12e (not in the paper): the baseline plus the denoising part of
# §4 with the paper's λ1 = λ2 = 0.4, γ = 0.2 and 5 groups.
_base_ = './dab_detr_r50_12e.py'
model = dict(
    type='DNDABDETR',
    dn_cfg=dict(num_groups=5, label_noise_ratio=0.2, box_noise_scale=(0.4, 0.4)),
    bbox_head=dict(type='DNDABDETRHead'))
