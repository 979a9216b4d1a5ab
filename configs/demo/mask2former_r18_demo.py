# Mask2Former sized for a 2-core CPU, trained from scratch on the embedded demo dataset's
# instance masks: ResNet-18 (no pretrained weights, trainable BN), a 128-dim 3-layer pixel
# decoder and 6-layer masked-attention decoder, 30 queries, 1,024 points a mask in the
# losses. The schedule is the demo DAB-DETR's.
_base_ = [
    '../_base_/models/mask2former_r50.py', '../_base_/datasets/demo_shapes_instance.py',
    '../_base_/schedules/demo_12e.py'
]
dims = 128
num_classes = 6
model = dict(
    backbone=dict(
        depth=18,
        frozen_stages=-1,
        norm_cfg=dict(type='BN', requires_grad=True),
        norm_eval=False,
        init_cfg=None),
    panoptic_head=dict(
        in_channels=[64, 128, 256, 512],
        feat_channels=dims,
        out_channels=dims,
        num_things_classes=num_classes,
        num_queries=30,
        pixel_decoder=dict(
            encoder=dict(
                num_layers=3,
                layer_cfg=dict(
                    self_attn_cfg=dict(embed_dims=dims),
                    ffn_cfg=dict(embed_dims=dims, feedforward_channels=4 * dims))),
            positional_encoding=dict(num_feats=dims // 2)),
        positional_encoding=dict(num_feats=dims // 2),
        transformer_decoder=dict(
            num_layers=6,
            layer_cfg=dict(
                self_attn_cfg=dict(embed_dims=dims),
                cross_attn_cfg=dict(embed_dims=dims),
                ffn_cfg=dict(embed_dims=dims, feedforward_channels=8 * dims))),
        loss_cls=dict(class_weight=[1.0] * num_classes + [0.1])),
    panoptic_fusion_head=dict(num_things_classes=num_classes),
    train_cfg=dict(num_points=1024),
    test_cfg=dict(max_per_image=30))
