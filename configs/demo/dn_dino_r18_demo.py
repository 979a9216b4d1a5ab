# DINO with DN-DETR's denoising on the demo dataset: the demo DINO plus 5 groups (§4).
_base_ = './dino_r18_nodn_demo.py'
model = dict(
    type='DNDINO',
    dn_cfg=dict(num_groups=5, label_noise_ratio=0.2, box_noise_scale=(0.4, 0.4)),
    bbox_head=dict(type='DNDINOHead'))
