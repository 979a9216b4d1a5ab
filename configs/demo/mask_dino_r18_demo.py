# The demo Mask DINO with mask denoising: the DN queries' mask losses on.
_base_ = './mask_dino_r18_demo_no_mask_dn.py'
model = dict(bbox_head=dict(mask_dn=True))
