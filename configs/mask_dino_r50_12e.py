# Mask DINO R50 with mask denoising (Table 3: 41.4 mask AP): the DN queries also predict
# masks and are supervised by their objects' masks (the official code's dn="seg").
_base_ = './mask_dino_r50_12e_no_mask_dn.py'
model = dict(bbox_head=dict(mask_dn=True))
