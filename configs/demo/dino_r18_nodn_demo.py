# DINO without denoising sized for a 2-core CPU, trained from scratch on the embedded demo
# dataset: ResNet-18 (no pretrained weights, trainable BN), 3 scales (C3-C5), a 256-dim
# 3 + 3-layer transformer, 30 selected queries.
_base_ = [
    '../_base_/models/dino_r50.py', '../_base_/datasets/demo_shapes.py',
    '../_base_/schedules/demo_12e.py'
]
dims = 256  # mmdet's DINO decoder embeds anchors for 256 dims only
model = dict(
    num_queries=30,
    num_feature_levels=3,
    backbone=dict(
        depth=18,
        frozen_stages=-1,
        norm_cfg=dict(type='BN', requires_grad=True),
        norm_eval=False,
        init_cfg=None),
    neck=dict(in_channels=[128, 256, 512], out_channels=dims, num_outs=3),
    encoder=dict(
        num_layers=3,
        layer_cfg=dict(
            self_attn_cfg=dict(embed_dims=dims, num_levels=3),
            ffn_cfg=dict(embed_dims=dims, feedforward_channels=2 * dims))),
    decoder=dict(
        num_layers=3,
        layer_cfg=dict(
            self_attn_cfg=dict(embed_dims=dims),
            cross_attn_cfg=dict(embed_dims=dims, num_levels=3),
            ffn_cfg=dict(embed_dims=dims, feedforward_channels=2 * dims))),
    positional_encoding=dict(num_feats=dims // 2),
    bbox_head=dict(num_classes=6, embed_dims=dims),
    test_cfg=dict(max_per_img=30))
