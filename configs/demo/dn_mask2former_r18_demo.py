# DN-Mask2Former on the demo dataset: the demo Mask2Former plus mask denoising (§4.9), 5
# groups of shifted masks, no label flipping.
_base_ = './mask2former_r18_demo.py'
model = dict(panoptic_head=dict(type='DNMask2FormerHead',
                                dn_cfg=dict(num_groups=5, label_noise_ratio=0.)))
