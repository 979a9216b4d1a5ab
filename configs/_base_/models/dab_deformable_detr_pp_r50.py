# DAB-Deformable-DETR++ with a ResNet-50 backbone, as the official DN-Deformable-DETR++
# code: 4 scales (C3-C5 plus one stride-2 level, no FPN), 300 queries with learnt content
# and 4-D anchors, 6 + 6 layers of 256 dims (FFN 2048, ReLU, no dropout), deformable
# attention (8 heads, 4 points) in encoder and decoder, iterative box refinement.
_base_ = './r50_4scale.py'
model = dict(
    type='DABDeformableDETRPP',
    num_queries=300,
    num_feature_levels=4,
    with_box_refine=True,
    as_two_stage=False,
    encoder=dict(
        num_layers=6,
        layer_cfg=dict(
            self_attn_cfg=dict(
                embed_dims=256, num_heads=8, num_points=4, dropout=0., batch_first=True),
            ffn_cfg=dict(embed_dims=256, feedforward_channels=2048, ffn_drop=0.))),
    decoder=dict(
        num_layers=6,
        return_intermediate=True,
        layer_cfg=dict(
            self_attn_cfg=dict(embed_dims=256, num_heads=8, batch_first=True),
            cross_attn_cfg=dict(
                embed_dims=256, num_heads=8, num_points=4, dropout=0., batch_first=True),
            ffn_cfg=dict(embed_dims=256, feedforward_channels=2048, ffn_drop=0.)),
        post_norm_cfg=None),
    positional_encoding=dict(num_feats=128, normalize=True, offset=-0.5),
    bbox_head=dict(type='DeformableDETRHead'))
