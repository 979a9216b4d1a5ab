# DN-DAB-DETR with the fast demo recipe: the fast demo DAB-DETR plus the denoising part (§4).
_base_ = './dab_detr_r18_fast_demo.py'
model = dict(
    type='DNDABDETR',
    dn_cfg=dict(),
    bbox_head=dict(type='DNDABDETRHead'))
