# Group-DAB-DETR sized for a 2-core CPU: the DAB-DETR demo model with 3 query groups of 30
# anchors in training (one at inference).
_base_ = './dab_detr_r18_demo.py'
model = dict(
    type='GroupDABDETR',
    num_query_groups=3,
    bbox_head=dict(type='GroupDABDETRHead'))
