# DN-Mask2Former R50 with DN-DETR's label flipping (γ = 0.2) beside the mask shift: an
# ablation of the paper's setting, which denoises masks only.
_base_ = '../dn_mask2former_r50_12e.py'
model = dict(panoptic_head=dict(dn_cfg=dict(label_noise_ratio=0.2)))
