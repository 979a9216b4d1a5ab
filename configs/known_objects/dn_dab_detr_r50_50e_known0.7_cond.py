# Known-object detection, 0.7 / 0.3 split, evaluated given the known objects ("AP (Cond)",
# §5.7.1, its Table 3: 42.9): each image's known-class objects enter the decoder noise-free.
_base_ = './dn_dab_detr_r50_50e_known0.7.py'
model = dict(test_cfg=dict(with_known_objects=True))
