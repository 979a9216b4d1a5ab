# DETR sized for a 2-core CPU, trained from scratch on the embedded demo dataset: ResNet-18
# (no pretrained weights, trainable BN) at stride 16, a 128-dim 3 + 3-layer transformer
# without dropout, 30 queries.
_base_ = [
    '../_base_/models/detr_r50.py', '../_base_/datasets/demo_shapes.py',
    '../_base_/schedules/demo_12e.py'
]
dims = 128
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
            ffn_cfg=dict(embed_dims=dims, feedforward_channels=4 * dims, ffn_drop=0.))),
    decoder=dict(
        num_layers=3,
        layer_cfg=dict(
            self_attn_cfg=dict(embed_dims=dims, **no_dropout),
            cross_attn_cfg=dict(embed_dims=dims, **no_dropout),
            ffn_cfg=dict(embed_dims=dims, feedforward_channels=4 * dims, ffn_drop=0.))),
    positional_encoding=dict(num_feats=dims // 2),
    bbox_head=dict(num_classes=6, embed_dims=dims),
    test_cfg=dict(max_per_img=30))
