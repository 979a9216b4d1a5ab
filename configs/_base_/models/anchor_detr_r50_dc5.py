# Anchor DETR DC5-R50 (Wang et al. 2022, official megvii-research/AnchorDETR defaults):
# 300 anchor points x 3 patterns, 6 + 6 layers of 256 dims with row-column decoupled
# attention, FFN 1024, no dropout, one (stride-16) feature level.
_base_ = './r50_c5.py'
model = dict(
    type='AnchorDETR',
    num_queries=300,
    num_patterns=3,
    backbone=dict(
        type='ResNetTorchvisionDilation',  # DC5 laid out as torchvision's (official)
        strides=(1, 2, 2, 1),
        dilations=(1, 1, 1, 2)),
    neck=dict(
        norm_cfg=dict(type='GN', num_groups=32),
        bias=True),  # the official input projection: conv with bias, then GroupNorm
    encoder=dict(
        num_layers=6,
        layer_cfg=dict(
            self_attn_cfg=dict(embed_dims=256, num_heads=8, dropout=0.),
            ffn_cfg=dict(embed_dims=256, feedforward_channels=1024, num_fcs=2, ffn_drop=0.))),
    decoder=dict(
        num_layers=6,
        layer_cfg=dict(
            self_attn_cfg=dict(embed_dims=256, num_heads=8, attn_drop=0., proj_drop=0.),
            cross_attn_cfg=dict(embed_dims=256, num_heads=8, dropout=0.),
            ffn_cfg=dict(embed_dims=256, feedforward_channels=1024, num_fcs=2, ffn_drop=0.))),
    bbox_head=dict(type='AnchorDETRHead', loss_cls=dict(loss_weight=2.0)),
    test_cfg=dict(max_per_img=100))
