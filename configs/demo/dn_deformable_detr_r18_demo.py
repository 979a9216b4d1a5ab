# DN-Deformable-DETR on the demo dataset: the demo DAB-Deformable-DETR plus the denoising
# part (§4), with the paper's 10 groups for this model.
_base_ = './dab_deformable_detr_r18_demo.py'
model = dict(
    type='DNDeformableDETR',
    dn_cfg=dict(num_groups=10, label_noise_ratio=0.2, box_noise_scale=(0.4, 0.4)),
    bbox_head=dict(type='DNDABDETRHead'))
