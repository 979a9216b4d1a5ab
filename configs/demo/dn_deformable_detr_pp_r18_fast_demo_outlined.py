# The `make demo` model and recipe on the outlined demo variant, which the recipe was not
# tuned on: tools/misc/make_demo_dataset.py data/demo_outlined --seed 1 --look outlined.
_base_ = './dn_deformable_detr_pp_r18_fast_demo.py'
data_root = 'data/demo_outlined/'
train_dataloader = dict(dataset=dict(data_root=data_root))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'annotations/val.json')
test_evaluator = val_evaluator
