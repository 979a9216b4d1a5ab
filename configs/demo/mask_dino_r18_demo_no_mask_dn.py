# Mask DINO sized for a 2-core CPU, trained from scratch on the embedded demo dataset's
# instance masks, box denoising only: ResNet-18 (no pretrained weights, trainable BN), a
# 3-layer pixel decoder, a 6-layer decoder (256 dims: mmdet's DINO decoder embeds anchors
# for 256 only; FFNs 512 wide), 30 queries, 1,024 points a mask. The schedule is the
# demo DAB-DETR's.
_base_ = [
    '../_base_/models/mask_dino_r50.py', '../_base_/datasets/demo_shapes_instance.py',
    '../_base_/schedules/demo_12e.py'
]
dims = 256
model = dict(
    backbone=dict(
        depth=18,
        frozen_stages=-1,
        norm_cfg=dict(type='BN', requires_grad=True),
        norm_eval=False,
        init_cfg=None),
    bbox_head=dict(
        num_classes=6,
        num_queries=30,
        mask_dn=False,
        num_points=1024,
        pixel_decoder=dict(
            in_channels=[64, 128, 256, 512],
            feat_channels=dims,
            out_channels=dims,
            encoder=dict(
                num_layers=3,
                layer_cfg=dict(
                    self_attn_cfg=dict(embed_dims=dims),
                    ffn_cfg=dict(embed_dims=dims, feedforward_channels=2 * dims))),
            positional_encoding=dict(num_feats=dims // 2)),
        decoder=dict(
            num_layers=6,
            layer_cfg=dict(
                self_attn_cfg=dict(embed_dims=dims),
                cross_attn_cfg=dict(embed_dims=dims),
                ffn_cfg=dict(embed_dims=dims, feedforward_channels=2 * dims)))),
    test_cfg=dict(max_per_image=30))
