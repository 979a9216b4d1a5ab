# DN-Group-DAB-DETR sized for a 2-core CPU: the demo baseline plus the denoising part of §4.
_base_ = './group_dab_detr_r18_demo.py'
model = dict(
    type='DNGroupDABDETR',
    dn_cfg=dict(),
    bbox_head=dict(type='DNGroupDABDETRHead'))
