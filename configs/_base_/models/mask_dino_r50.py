# Mask DINO R50 for COCO instance segmentation, as the official R50 3-scale model
# (IDEA-Research/MaskDINO, maskdino_R50_bs16_50ep_3s.yaml): Mask2Former's pixel decoder
# (6 deformable layers, 3 levels, FFN 1024), a 9-layer DINO decoder (FFN 2048), 300
# queries, unified query selection with mask-enhanced anchor boxes, matching and losses
# on focal class (4), L1 (5), GIoU (2), mask BCE (5) and dice (5) at 12,544 points; box
# denoising with DN-DETR's 5 groups (the paper's setting for Table 3).
num_classes = 80
dims = 256
model = dict(
    type='MaskDINO',
    data_preprocessor=dict(
        type='DetDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True,
        pad_size_divisor=32,
        pad_mask=True,
        mask_pad_value=0,
        pad_seg=False),
    backbone=dict(
        type='ResNet',
        depth=50,
        num_stages=4,
        out_indices=(0, 1, 2, 3),
        frozen_stages=-1,
        norm_cfg=dict(type='BN', requires_grad=False),
        norm_eval=True,
        style='pytorch',
        init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet50')),
    bbox_head=dict(
        type='MaskDINOHead',
        num_classes=num_classes,
        num_queries=300,
        mask_enhanced_boxes=True,
        dn_cfg=dict(num_groups=5),
        pixel_decoder=dict(
            type='MSDeformAttnPixelDecoder',
            in_channels=[256, 512, 1024, 2048],
            strides=[4, 8, 16, 32],
            feat_channels=dims,
            out_channels=dims,
            num_outs=3,
            norm_cfg=dict(type='GN', num_groups=32),
            act_cfg=dict(type='ReLU'),
            encoder=dict(
                num_layers=6,
                layer_cfg=dict(
                    self_attn_cfg=dict(embed_dims=dims, num_heads=8, num_levels=3,
                                       num_points=4, dropout=0.0, batch_first=True),
                    ffn_cfg=dict(embed_dims=dims, feedforward_channels=1024, num_fcs=2,
                                 ffn_drop=0.0, act_cfg=dict(type='ReLU', inplace=True)))),
            positional_encoding=dict(num_feats=dims // 2, normalize=True)),
        decoder=dict(
            num_layers=9,
            return_intermediate=True,
            layer_cfg=dict(
                self_attn_cfg=dict(embed_dims=dims, num_heads=8, batch_first=True),
                cross_attn_cfg=dict(embed_dims=dims, num_heads=8, num_levels=3,
                                    num_points=4, dropout=0.0, batch_first=True),
                ffn_cfg=dict(embed_dims=dims, feedforward_channels=2048, ffn_drop=0.0)),
            post_norm_cfg=None),
        num_points=12544,
        oversample_ratio=3.0,
        importance_sample_ratio=0.75),
    train_cfg=dict(
        assigner=dict(
            type='HungarianAssigner',
            match_costs=[
                dict(type='FocalLossCost', weight=4.0),
                dict(type='BBoxL1Cost', weight=5.0, box_format='xywh'),
                dict(type='IoUCost', iou_mode='giou', weight=2.0),
                dict(type='CrossEntropyLossCost', weight=5.0, use_sigmoid=True),
                dict(type='DiceCost', weight=5.0, pred_act=True, eps=1.0)
            ])),
    test_cfg=dict(max_per_image=100))
