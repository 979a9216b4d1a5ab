# What the DETR-family models here share: the data preprocessor, the focal / L1 / GIoU
# losses (weights 1, 5, 2) with the classification loss over the object count averaged over
# all ranks (the official num_boxes), and the Hungarian assigner of those costs (focal cost
# eps 1e-8, as the official DN-DETR and DINO matchers); up to 300 detections an image.
model = dict(
    data_preprocessor=dict(
        type='DetDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True,
        pad_size_divisor=1),
    bbox_head=dict(
        num_classes=80,
        sync_cls_avg_factor=True,
        embed_dims=256,
        loss_cls=dict(
            type='FocalLoss', use_sigmoid=True, gamma=2.0, alpha=0.25, loss_weight=1.0),
        loss_bbox=dict(type='L1Loss', loss_weight=5.0),
        loss_iou=dict(type='GIoULoss', loss_weight=2.0)),
    train_cfg=dict(
        assigner=dict(
            type='HungarianAssigner',
            match_costs=[
                dict(type='FocalLossCost', weight=2., eps=1e-8),
                dict(type='BBoxL1Cost', weight=5.0, box_format='xywh'),
                dict(type='IoUCost', iou_mode='giou', weight=2.0)
            ])),
    test_cfg=dict(max_per_img=300))
