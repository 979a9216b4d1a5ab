# Training DN-DAB-DETR on your own COCO-format dataset: the classes, the data and the
# starting checkpoint are set here, once; everything else is the inherited config's.
# Fine-tuning from a COCO checkpoint loads every weight whose shape fits and
# re-initialises the class-dependent ones (classifier, label embedding): tools/train.py
# logs which.
_base_ = '../dn_dab_detr_r50_50e.py'

data_root = 'data/my_dataset/'
classes = ('cat', 'dog', 'bird')  # the dataset's category names, in label order
load_from = 'work_dirs/dn_dab_detr_r50_50e/epoch_50.pth'  # or None: from scratch

model = dict(bbox_head=dict(num_classes=len(classes)))
train_dataloader = dict(
    dataset=dict(data_root=data_root, metainfo=dict(classes=classes),
                 ann_file='annotations/train.json', data_prefix=dict(img='train/')))
val_dataloader = dict(
    dataset=dict(data_root=data_root, metainfo=dict(classes=classes),
                 ann_file='annotations/val.json', data_prefix=dict(img='val/')))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'annotations/val.json')
test_evaluator = val_evaluator
