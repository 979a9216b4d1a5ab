# DN-Deformable-DETR on the demo dataset: the demo DAB-Deformable-DETR plus the denoising
# part (§4), with the paper's 10 groups for this model.
_base_ = './dab_deformable_detr_r18_demo.py'
model = dict(
    type='DNDeformableDETR',
    dn_cfg=dict(num_groups=10),
    bbox_head=dict(type='DNDABDETRHead'))
