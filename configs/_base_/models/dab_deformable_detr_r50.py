# DAB-Deformable-DETR with a ResNet-50 backbone, as the official DN-Deformable-DETR code
# (deformable attention in the encoder only): 4 scales (C3-C5 plus one stride-2 level, no
# FPN), a 6-layer deformable encoder (8 heads, 4 points), DAB-DETR's 6-layer decoder with
# one conditional cross-attention per scale, 300 4-D anchor queries with 3 patterns
# (§5.1), 256 dims, FFN 2048, ReLU, no dropout.
_base_ = './r50_4scale.py'
model = dict(
    type='DABDeformableDETR',
    num_queries=300,
    num_feature_levels=4,
    with_random_refpoints=False,
    num_patterns=3,
    encoder=dict(
        num_layers=6,
        layer_cfg=dict(
            self_attn_cfg=dict(
                embed_dims=256, num_heads=8, num_points=4, dropout=0., batch_first=True),
            ffn_cfg=dict(embed_dims=256, feedforward_channels=2048, ffn_drop=0.))),
    decoder=dict(
        num_layers=6,
        query_dim=4,
        query_scale_type='cond_elewise',
        with_modulated_hw_attn=True,
        layer_cfg=dict(
            self_attn_cfg=dict(
                embed_dims=256, num_heads=8, attn_drop=0., proj_drop=0., cross_attn=False),
            cross_attn_cfg=dict(
                embed_dims=256, num_heads=8, attn_drop=0., proj_drop=0., cross_attn=True),
            ffn_cfg=dict(
                embed_dims=256, feedforward_channels=2048, num_fcs=2, ffn_drop=0.,
                act_cfg=dict(type='ReLU', inplace=True))),
        return_intermediate=True),
    positional_encoding=dict(num_feats=128, temperature=20, normalize=True),
    bbox_head=dict(type='DABDETRHead'))
