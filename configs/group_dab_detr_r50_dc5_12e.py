# Group-DAB-DETR DC5-R50, 12 epochs (Table 3: 41.9 AP): DAB-DETR-DC5 with Group DETR's 11
# query groups of 300 anchors each in training (one at inference), no pattern embeddings
# (DAB-DETR's default, which Group DETR builds on).
_base_ = './dab_detr_r50_dc5_12e.py'
model = dict(
    type='GroupDABDETR',
    num_query_groups=11,
    num_patterns=0,
    bbox_head=dict(type='GroupDABDETRHead'))
