# Conditional DETR sized for a 2-core CPU, trained from scratch on the embedded demo dataset:
# the demo DETR's ResNet-18 at stride 16 and 3 + 3 layers without dropout, 30 queries,
# Conditional DETR's decoder, head and losses (configs/_base_/models/conditional_detr_r50.py).
# 256 dims: mmdet's Conditional DETR decoder encodes its reference points in 256 dims
# whatever the model's width.
_base_ = [
    '../_base_/models/conditional_detr_r50.py', '../_base_/datasets/demo_shapes.py',
    '../_base_/schedules/demo_12e.py'
]
dims = 256
no_dropout = dict(attn_drop=0., dropout_layer=dict(type='Dropout', drop_prob=0.))
model = dict(
    num_queries=30,
    backbone=dict(
        depth=18,
        strides=(1, 2, 2, 1),
        dilations=(1, 1, 1, 2),
        frozen_stages=-1,
        norm_cfg=dict(type='BN', requires_grad=True),
        norm_eval=False,
        init_cfg=None),
    neck=dict(in_channels=[512], out_channels=dims),
    encoder=dict(
        num_layers=3,
        layer_cfg=dict(
            self_attn_cfg=dict(embed_dims=dims, **no_dropout),
            ffn_cfg=dict(embed_dims=dims, feedforward_channels=2 * dims, ffn_drop=0.))),
    decoder=dict(
        num_layers=3,
        layer_cfg=dict(
            self_attn_cfg=dict(embed_dims=dims, attn_drop=0.),
            cross_attn_cfg=dict(embed_dims=dims, attn_drop=0.),
            ffn_cfg=dict(embed_dims=dims, feedforward_channels=2 * dims, ffn_drop=0.))),
    positional_encoding=dict(num_feats=dims // 2),
    bbox_head=dict(num_classes=6, embed_dims=dims),
    test_cfg=dict(max_per_img=30))
