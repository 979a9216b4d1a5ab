# Faster R-CNN sized for a 2-core CPU, trained from scratch on the embedded demo dataset:
# ResNet-18 (no pretrained weights, trainable BN), a 128-channel FPN, 256 RoIs an image,
# 30 detections an image; the demo schedule (AdamW, 12 epochs).
_base_ = [
    '../_base_/models/faster_rcnn_r50_fpn.py', '../_base_/datasets/demo_shapes.py',
    '../_base_/schedules/demo_12e.py'
]
dims = 128
model = dict(
    backbone=dict(
        depth=18,
        frozen_stages=-1,
        norm_eval=False,
        init_cfg=None),
    neck=dict(in_channels=[64, 128, 256, 512], out_channels=dims),
    rpn_head=dict(in_channels=dims, feat_channels=dims),
    roi_head=dict(
        bbox_roi_extractor=dict(out_channels=dims),
        bbox_head=dict(in_channels=dims, fc_out_channels=256, num_classes=6)),
    train_cfg=dict(rcnn=dict(sampler=dict(num=256))),
    test_cfg=dict(rcnn=dict(max_per_img=30)))
optim_wrapper = dict(optimizer=dict(lr=1e-4), clip_grad=dict(max_norm=10, norm_type=2))
