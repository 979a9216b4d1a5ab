# SAM-DETR++ R50, as the official multi-scale SAM-DETR with SMCA: 3 levels (C3-C5, each
# projected with GroupNorm), a 6-layer deformable encoder (8 heads, 4 points), a 6-layer
# semantic-aligned decoder reading C5, C5, C4, C4, C3, C3, 300 queries, 256 dims, FFN 2048
# in the decoder and 1024 in the encoder (the official "multiscale encoder's dim_feedforward
# halved"), dropout 0.1, focal loss weight 2, top-100 detections.
_base_ = './r50_4scale.py'
model = dict(
    type='SAMDETRPP',
    num_queries=300,
    num_feature_levels=3,
    with_box_refine=True,
    as_two_stage=False,
    neck=dict(num_outs=3),
    encoder=dict(
        num_layers=6,
        layer_cfg=dict(
            self_attn_cfg=dict(
                embed_dims=256, num_heads=8, num_levels=3, num_points=4, dropout=0.1,
                batch_first=True),
            ffn_cfg=dict(embed_dims=256, feedforward_channels=1024, ffn_drop=0.1))),
    decoder=dict(
        num_layers=6,
        layer_cfg=dict(
            embed_dims=256, num_heads=8, feedforward_channels=2048, dropout=0.1,
            with_smca=True)),
    positional_encoding=dict(num_feats=128, normalize=True),
    bbox_head=dict(type='SAMDETRHead', loss_cls=dict(loss_weight=2.0)),
    test_cfg=dict(max_per_img=100))
