# DINO-4scale with a ResNet-50 backbone, as mmdet's (Zhang et al. 2022): 900 queries by
# two-stage mixed query selection, 6 + 6 deformable layers of 256 dims (FFN 2048, no
# dropout), look-forward-twice box refinement, here without any denoising part.
_base_ = './r50_4scale.py'
model = dict(
    type='DINOWithoutDN',
    num_queries=900,
    with_box_refine=True,
    as_two_stage=True,
    encoder=dict(
        num_layers=6,
        layer_cfg=dict(
            self_attn_cfg=dict(embed_dims=256, num_levels=4, dropout=0.),
            ffn_cfg=dict(embed_dims=256, feedforward_channels=2048, ffn_drop=0.))),
    decoder=dict(
        num_layers=6,
        return_intermediate=True,
        layer_cfg=dict(
            self_attn_cfg=dict(embed_dims=256, num_heads=8),
            cross_attn_cfg=dict(embed_dims=256, num_levels=4, dropout=0.),
            ffn_cfg=dict(embed_dims=256, feedforward_channels=2048, ffn_drop=0.)),
        post_norm_cfg=None),
    positional_encoding=dict(num_feats=128, normalize=True, offset=0.0, temperature=20),
    bbox_head=dict(type='DINOHeadWithoutDN'))
