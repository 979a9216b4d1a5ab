# DINO with DN-DETR's denoising on the demo dataset: the demo DINO plus 5 groups (§4).
_base_ = './dino_r18_nodn_demo.py'
model = dict(
    type='DNDINO',
    dn_cfg=dict(),
    bbox_head=dict(type='DNDINOHead'))
