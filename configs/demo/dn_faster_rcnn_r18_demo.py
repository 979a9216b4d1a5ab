# DN-Faster R-CNN on the demo dataset: the demo Faster R-CNN plus 10 groups of noised
# ground-truth boxes as extra RoIs (§4.8).
_base_ = './faster_rcnn_r18_demo.py'
model = dict(
    roi_head=dict(
        type='DNStandardRoIHead',
        dn_cfg=dict(num_groups=10)))
