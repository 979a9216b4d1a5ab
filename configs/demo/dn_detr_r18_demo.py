# DN-Vanilla-DETR on the demo dataset: the demo DETR plus the denoising part (§4.7.2).
_base_ = './detr_r18_demo.py'
model = dict(
    type='DNDETR',
    dn_cfg=dict(num_groups=5, label_noise_ratio=0.2, box_noise_scale=(0.4, 0.4)),
    bbox_head=dict(type='DNDETRHead'))
