# The `make demo` model: DN-Deformable-DETR++ with the fast demo recipe, i.e. the fast
# demo DAB-Deformable-DETR++ plus the denoising part (§4).
_base_ = './dab_deformable_detr_pp_r18_fast_demo.py'
model = dict(
    type='DNDeformableDETRPP',
    dn_cfg=dict(),
    bbox_head=dict(type='DNDeformableDETRPPHead'))
