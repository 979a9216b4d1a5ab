# DN-Deformable-DETR++ on the demo dataset: the demo DAB-Deformable-DETR++ plus the
# denoising part (§4).
_base_ = './dab_deformable_detr_pp_r18_demo.py'
model = dict(
    type='DNDeformableDETRPP',
    dn_cfg=dict(),
    bbox_head=dict(type='DNDeformableDETRPPHead'))
