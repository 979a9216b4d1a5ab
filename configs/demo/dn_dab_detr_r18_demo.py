# DN-DAB-DETR on the demo dataset: the demo DAB-DETR plus the denoising part (§4).
_base_ = './dab_detr_r18_demo.py'
model = dict(
    type='DNDABDETR',
    dn_cfg=dict(),
    bbox_head=dict(type='DNDABDETRHead'))
