# DINO-4scale R50 without denoising, 12 epochs (Table 3: 46.0 AP, "DINO-R50 w/o DN"): AdamW
# lr 1e-4 (backbone 1e-5), weight decay 1e-4, clipping 0.1, lr x 0.1 at epoch 11.
_base_ = [
    './_base_/models/dino_r50.py', './_base_/datasets/coco_detr.py',
    './_base_/schedules/adamw_12e.py', './_base_/default_runtime.py'
]
