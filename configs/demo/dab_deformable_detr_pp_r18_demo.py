# DAB-Deformable-DETR++ sized for a 2-core CPU, trained from scratch on the embedded demo
# dataset: ResNet-18 (no pretrained weights, trainable BN), 3 scales (C4, C5 and one
# stride-2 level), a 128-dim 3 + 3-layer transformer, 30 queries. The schedule is the
# demo DAB-DETR's.
_base_ = [
    '../_base_/models/dab_deformable_detr_pp_r50.py', '../_base_/datasets/demo_shapes.py',
    '../_base_/schedules/demo_12e.py'
]
dims = 128
model = dict(
    num_queries=30,
    num_feature_levels=3,
    backbone=dict(
        depth=18,
        out_indices=(2, 3),
        frozen_stages=-1,
        norm_cfg=dict(type='BN', requires_grad=True),
        norm_eval=False,
        init_cfg=None),
    neck=dict(in_channels=[256, 512], out_channels=dims, num_outs=3),
    encoder=dict(
        num_layers=3,
        layer_cfg=dict(
            self_attn_cfg=dict(embed_dims=dims, num_levels=3),
            ffn_cfg=dict(embed_dims=dims, feedforward_channels=4 * dims))),
    decoder=dict(
        num_layers=3,
        layer_cfg=dict(
            self_attn_cfg=dict(embed_dims=dims),
            cross_attn_cfg=dict(embed_dims=dims, num_levels=3),
            ffn_cfg=dict(embed_dims=dims, feedforward_channels=4 * dims))),
    positional_encoding=dict(num_feats=dims // 2),
    bbox_head=dict(num_classes=6, embed_dims=dims),
    test_cfg=dict(max_per_img=30))
