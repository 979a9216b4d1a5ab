# Conditional DETR with a ResNet-50 backbone (Meng et al. 2021), as mmdet's
# conditional-detr_r50_8xb2-50e_coco: DETR R50 with 300 queries, conditional attention
# (dropout 0.1 on its weights), a sigmoid focal classification of weight 2 and the focal
# matching cost of mmdet's default epsilon. One departure from mmdet's config: the focal
# loss is divided by the object count averaged over all ranks, as every focal-loss model
# here and the official Conditional DETR's all-reduced num_boxes (mmdet's: per rank; the
# same in one process).
_base_ = './detr_r50.py'
model = dict(
    type='ConditionalDETR',
    num_queries=300,
    decoder=dict(
        layer_cfg=dict(
            self_attn_cfg=dict(
                _delete_=True, embed_dims=256, num_heads=8, attn_drop=0.1, cross_attn=False),
            cross_attn_cfg=dict(
                _delete_=True, embed_dims=256, num_heads=8, attn_drop=0.1, cross_attn=True))),
    bbox_head=dict(
        type='ConditionalDETRHead',
        sync_cls_avg_factor=True,
        loss_cls=dict(
            _delete_=True,
            type='FocalLoss',
            use_sigmoid=True,
            gamma=2.0,
            alpha=0.25,
            loss_weight=2.0)),
    train_cfg=dict(
        assigner=dict(
            match_costs=[
                dict(type='FocalLossCost', weight=2.0),
                dict(type='BBoxL1Cost', weight=5.0, box_format='xywh'),
                dict(type='IoUCost', iou_mode='giou', weight=2.0)
            ])))
