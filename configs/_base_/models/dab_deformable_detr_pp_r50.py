# DAB-Deformable-DETR++ with a ResNet-50 backbone, as the official DN-Deformable-DETR++
# code: 4 scales (C3-C5 plus one stride-2 level, no FPN), 300 queries with learnt content
# and 4-D anchors, 6 + 6 layers of 256 dims (FFN 2048, ReLU, no dropout), deformable
# attention (8 heads, 4 points) in encoder and decoder, iterative box refinement.
_base_ = './r50_4scale.py'
model = dict(
    type='DABDeformableDETRPP',
    num_queries=300,
    num_feature_levels=4,
    with_box_refine=True,
    as_two_stage=False,
    encoder=dict(
        num_layers=6,
        layer_cfg=dict(
            self_attn_cfg=dict(
                embed_dims=256, num_heads=8, num_points=4, dropout=0., batch_first=True),
            ffn_cfg=dict(embed_dims=256, feedforward_channels=2048, ffn_drop=0.))),
    decoder=dict(
        num_layers=6,
        return_intermediate=True,
        layer_cfg=dict(
            self_attn_cfg=dict(embed_dims=256, num_heads=8, batch_first=True),
            cross_attn_cfg=dict(
                embed_dims=256, num_heads=8, num_points=4, dropout=0., batch_first=True),
            ffn_cfg=dict(embed_dims=256, feedforward_channels=2048, ffn_drop=0.)),
        post_norm_cfg=None),
    positional_encoding=dict(num_feats=128, normalize=True, offset=-0.5),
    bbox_head=dict(
        type='DeformableDETRHead',
        num_classes=80,
        sync_cls_avg_factor=True,
        loss_cls=dict(
            type='FocalLoss', use_sigmoid=True, gamma=2.0, alpha=0.25, loss_weight=1.0),
        loss_bbox=dict(type='L1Loss', loss_weight=5.0),
        loss_iou=dict(type='GIoULoss', loss_weight=2.0)),
    train_cfg=dict(
        assigner=dict(
            type='HungarianAssigner',
            match_costs=[
                dict(type='FocalLossCost', weight=2.0),
                dict(type='BBoxL1Cost', weight=5.0, box_format='xywh'),
                dict(type='IoUCost', iou_mode='giou', weight=2.0)
            ])),
    test_cfg=dict(max_per_img=300))
