# SAM-DETR++ sized for a 2-core CPU, trained from scratch on the embedded demo dataset:
# ResNet-18 (no pretrained weights, trainable BN), 3 levels (C3-C5), a 128-dim 3 + 3-layer
# transformer (one decoder layer a level, coarse to fine), 30 queries, no dropout.
_base_ = [
    '../_base_/models/sam_detr_pp_r50.py', '../_base_/datasets/demo_shapes.py',
    '../_base_/schedules/demo_12e.py'
]
dims = 128
model = dict(
    num_queries=30,
    backbone=dict(
        depth=18,
        frozen_stages=-1,
        norm_cfg=dict(type='BN', requires_grad=True),
        norm_eval=False,
        init_cfg=None),
    neck=dict(in_channels=[128, 256, 512], out_channels=dims),
    encoder=dict(
        num_layers=3,
        layer_cfg=dict(
            self_attn_cfg=dict(embed_dims=dims, dropout=0.),
            ffn_cfg=dict(embed_dims=dims, feedforward_channels=4 * dims, ffn_drop=0.))),
    decoder=dict(
        num_layers=3,
        layer_cfg=dict(embed_dims=dims, feedforward_channels=4 * dims, dropout=0.)),
    positional_encoding=dict(num_feats=dims // 2),
    bbox_head=dict(num_classes=6, embed_dims=dims),
    test_cfg=dict(max_per_img=30))
