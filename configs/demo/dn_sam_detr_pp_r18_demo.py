# DN-SAM-DETR++ sized for a 2-core CPU: the demo baseline plus the denoising part of §4.
_base_ = './sam_detr_pp_r18_demo.py'
model = dict(
    type='DNSAMDETRPP',
    dn_cfg=dict(),
    bbox_head=dict(type='DNSAMDETRHead'))
