# The demo's known-object detection evaluated given the known objects ("AP (Cond)").
_base_ = './dn_dab_detr_r18_demo_known0.5.py'
model = dict(test_cfg=dict(with_known_objects=True))
