# Known-object detection (§5.7.1) on the demo dataset: the demo DN-DAB-DETR given the
# objects of 3 of the 6 classes (known_class_split(6, 0.5, seed=0): triangle, diamond,
# star), detecting the other 3. The unknown classes' annotations:
#   python tools/dataset_converters/unknown_class_annotations.py THIS_CONFIG \
#       data/demo/annotations/val.json data/demo/annotations/val_known0.5_unknown.json
_base_ = '../dn_dab_detr_r18_demo.py'
model = dict(
    type='KnownObjectDNDABDETR',
    known_classes=[2, 3, 5],
    dn_cfg=dict(matching_sees_dn=True))
val_evaluator = dict(ann_file='data/demo/annotations/val_known0.5_unknown.json')
test_evaluator = val_evaluator
# Annotations before Resize: the given objects must be in the input's frame.
test_pipeline = [
    dict(type='LoadImageFromFile', backend_args=None),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='Resize', scale_factor=1.0),
    dict(type='PackDetInputs',
         meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor'))
]
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
