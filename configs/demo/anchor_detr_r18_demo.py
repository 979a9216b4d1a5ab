# Anchor DETR sized for a 2-core CPU, trained from scratch on the embedded demo dataset:
# ResNet-18 (no pretrained weights, trainable BN) at stride 16, a 128-dim 3 + 3-layer
# transformer, 10 anchor points x 3 patterns.
_base_ = [
    '../_base_/models/anchor_detr_r50_dc5.py', '../_base_/datasets/demo_shapes.py',
    '../_base_/schedules/demo_12e.py'
]
dims = 128
model = dict(
    num_queries=10,
    backbone=dict(
        type='ResNet',  # a basic-block ResNet: mmdet's dilation layout
        depth=18,
        frozen_stages=-1,
        norm_cfg=dict(type='BN', requires_grad=True),
        norm_eval=False,
        init_cfg=None),
    neck=dict(in_channels=[512], out_channels=dims),
    encoder=dict(
        num_layers=3,
        layer_cfg=dict(
            self_attn_cfg=dict(embed_dims=dims),
            ffn_cfg=dict(embed_dims=dims, feedforward_channels=4 * dims))),
    decoder=dict(
        num_layers=3,
        layer_cfg=dict(
            self_attn_cfg=dict(embed_dims=dims),
            cross_attn_cfg=dict(embed_dims=dims),
            ffn_cfg=dict(embed_dims=dims, feedforward_channels=4 * dims))),
    bbox_head=dict(num_classes=6, embed_dims=dims),
    test_cfg=dict(max_per_img=30))
