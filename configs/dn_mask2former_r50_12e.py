# DN-Mask2Former R50 (Table 3: 39.7 mask AP): Mask2Former plus mask denoising (§4.9): 5
# groups of shifted ground-truth masks, no label flipping ("we only add mask denoising").
_base_ = './mask2former_r50_12e.py'
model = dict(panoptic_head=dict(type='DNMask2FormerHead',
                                dn_cfg=dict(num_groups=5, label_noise_ratio=0.)))
