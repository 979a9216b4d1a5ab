# Mask2Former R50 for COCO instance segmentation on a 12-epoch schedule (Table 3:
# 38.7 mask AP): mmdet's Mask2Former instance setting (LSJ 1024, batch 16, AdamW 1e-4,
# backbone lr x 0.1, clipping 0.01) with 90k iterations, lr x 0.1 at the same fractions
# of the schedule as mmdet's 50-epoch one (0.889 and 0.963).
_base_ = [
    './_base_/models/mask2former_r50.py', './_base_/datasets/coco_instance_lsj.py',
    './_base_/schedules/lsj_90k.py'
]
image_size = (1024, 1024)
model = dict(
    data_preprocessor=dict(batch_augments=[
        dict(type='BatchFixedSizePad', size=image_size, img_pad_value=0, pad_mask=True,
             mask_pad_value=0, pad_seg=False)
    ]))

embed_multi = dict(lr_mult=1.0, decay_mult=0.0)
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=0.0001, weight_decay=0.05, eps=1e-8, betas=(0.9, 0.999)),
    paramwise_cfg=dict(
        custom_keys={
            'backbone': dict(lr_mult=0.1, decay_mult=1.0),
            'query_embed': embed_multi,
            'query_feat': embed_multi,
            'level_embed': embed_multi,
        },
        norm_decay_mult=0.0),
    clip_grad=dict(max_norm=0.01, norm_type=2))
