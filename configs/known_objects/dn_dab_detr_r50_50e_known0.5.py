# Known-object detection, 0.5 / 0.5 split (§5.7.1, its Table 3: 39.1 AP on the unknown
# classes; 40.3 given the known objects, see the _cond config): the 0.7 config with
# mmdn.analysis.known_class_split(80, 0.5, seed=0); its unknown classes' annotations:
#   python tools/dataset_converters/unknown_class_annotations.py THIS_CONFIG \
#       data/coco/annotations/instances_val2017.json \
#       data/coco/annotations/instances_val2017_known0.5_unknown.json
_base_ = './dn_dab_detr_r50_50e_known0.7.py'
model = dict(
    known_classes=[
        3, 5, 7, 8, 9, 10, 11, 15, 17, 19, 22, 26, 27, 29, 30, 31, 32, 33, 35, 40, 41, 43, 44,
        46, 49, 50, 52, 54, 55, 56, 57, 59, 61, 66, 67, 69, 74, 76, 77, 79
    ])
val_evaluator = dict(ann_file='data/coco/annotations/instances_val2017_known0.5_unknown.json')
test_evaluator = val_evaluator
