# DETR with a ResNet-50 backbone (Carion et al. 2020), as mmdet's: 100 queries, 6 + 6 layers
# of 256 dims, learnt positional queries, softmax classification with a background class.
_base_ = './r50_c5.py'
# Dropout 0.1 on the attention weights and on the attention's output (mmcv's former
# `dropout=0.1`).
attn_dropout = dict(attn_drop=0.1, dropout_layer=dict(type='Dropout', drop_prob=0.1),
                    batch_first=True)
model = dict(
    type='DETR',
    num_queries=100,
    encoder=dict(
        num_layers=6,
        layer_cfg=dict(
            self_attn_cfg=dict(embed_dims=256, num_heads=8, **attn_dropout),
            ffn_cfg=dict(
                embed_dims=256,
                feedforward_channels=2048,
                num_fcs=2,
                ffn_drop=0.1,
                act_cfg=dict(type='ReLU', inplace=True)))),
    decoder=dict(
        num_layers=6,
        layer_cfg=dict(
            self_attn_cfg=dict(embed_dims=256, num_heads=8, **attn_dropout),
            cross_attn_cfg=dict(embed_dims=256, num_heads=8, **attn_dropout),
            ffn_cfg=dict(
                embed_dims=256,
                feedforward_channels=2048,
                num_fcs=2,
                ffn_drop=0.1,
                act_cfg=dict(type='ReLU', inplace=True))),
        return_intermediate=True),
    positional_encoding=dict(num_feats=128, normalize=True),
    bbox_head=dict(
        type='DETRHead',
        # The cross entropy over all queries of each rank, as DETR's (not synchronised).
        sync_cls_avg_factor=False,
        loss_cls=dict(
            _delete_=True,
            type='CrossEntropyLoss',
            bg_cls_weight=0.1,
            use_sigmoid=False,
            loss_weight=1.0,
            class_weight=1.0)),
    train_cfg=dict(
        assigner=dict(
            match_costs=[
                dict(type='ClassificationCost', weight=1.),
                dict(type='BBoxL1Cost', weight=5.0, box_format='xywh'),
                dict(type='IoUCost', iou_mode='giou', weight=2.0)
            ])),
    test_cfg=dict(max_per_img=100))
