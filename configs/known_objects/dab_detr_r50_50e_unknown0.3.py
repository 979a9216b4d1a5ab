# The baseline of known-object detection, 0.7 / 0.3 split (§5.7.1, its Table 3: 38.4 AP):
# DAB-DETR R50 50e trained and evaluated on the unknown classes only. The annotation files
# are written by tools/dataset_converters/unknown_class_annotations.py from
# dn_dab_detr_r50_50e_known0.7.py (its split) and the COCO train / val files.
_base_ = '../dab_detr_r50_50e.py'
train_dataloader = dict(
    dataset=dict(ann_file='annotations/instances_train2017_known0.7_unknown.json'))
val_evaluator = dict(ann_file='data/coco/annotations/instances_val2017_known0.7_unknown.json')
test_evaluator = val_evaluator
