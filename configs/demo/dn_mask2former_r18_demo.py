# DN-Mask2Former on the demo dataset: the demo Mask2Former plus mask denoising (§4.9).
_base_ = './mask2former_r18_demo.py'
model = dict(panoptic_head=dict(type='DNMask2FormerHead', dn_cfg=dict()))
