# Faster R-CNN R50-FPN, 1x (12 epochs; Table 3: 37.9 AP): mmdet's model, pipeline and
# schedule; the baseline of DN-Faster R-CNN (§4.8).
_base_ = [
    './_base_/models/faster_rcnn_r50_fpn.py', './_base_/datasets/coco_detection.py',
    './_base_/schedules/sgd_12e.py', './_base_/default_runtime.py'
]
