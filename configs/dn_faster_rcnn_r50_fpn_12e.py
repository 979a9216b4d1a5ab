# DN-Faster R-CNN R50-FPN, 1x (§4.8; Table 3: 38.4 AP): the baseline plus 10 groups of
# noised ground-truth boxes as extra RoIs (box noise only, λ1 = λ2 = 0.4), each trained
# to the object it was noised from.
_base_ = './faster_rcnn_r50_fpn_12e.py'
model = dict(
    roi_head=dict(
        type='DNStandardRoIHead',
        dn_cfg=dict(num_groups=10)))
