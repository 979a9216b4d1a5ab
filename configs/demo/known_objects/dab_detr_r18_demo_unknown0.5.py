# The demo's known-object baseline: the demo DAB-DETR trained and evaluated on the 3
# unknown classes of dn_dab_detr_r18_demo_known0.5.py only (annotation files written by
# tools/dataset_converters/unknown_class_annotations.py from that config and train.json / val.json).
_base_ = '../dab_detr_r18_demo.py'
train_dataloader = dict(dataset=dict(ann_file='annotations/train_known0.5_unknown.json'))
val_evaluator = dict(ann_file='data/demo/annotations/val_known0.5_unknown.json')
test_evaluator = val_evaluator
