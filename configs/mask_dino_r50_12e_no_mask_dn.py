# Mask DINO R50 without mask denoising (Table 3: 40.7 mask AP): box denoising only (the
# official code's dn="standard"). The official R50 instance setting (LSJ 1024, batch 16,
# AdamW 1e-4, weight decay 0.05 but none on norms and embeddings, backbone lr x 0.1,
# clipping of the whole model's gradient norm at 0.01) on a 12-epoch
# schedule: 90k iterations at batch 16, lr x 0.1 at the official 50-epoch schedule's
# fractions (0.889 and 0.963): `_base_/schedules/lsj_90k.py`, as Mask2Former's.
_base_ = [
    './_base_/models/mask_dino_r50.py', './_base_/datasets/coco_instance_lsj.py',
    './_base_/schedules/lsj_90k.py'
]
image_size = (1024, 1024)
model = dict(
    data_preprocessor=dict(batch_augments=[
        dict(type='BatchFixedSizePad', size=image_size, img_pad_value=0, pad_mask=True,
             mask_pad_value=0, pad_seg=False)
    ]),
    bbox_head=dict(mask_dn=False))

optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=0.0001, weight_decay=0.05),
    paramwise_cfg=dict(
        custom_keys={
            'backbone': dict(lr_mult=0.1),
            'label_embedding': dict(decay_mult=0.0)
        },
        norm_decay_mult=0.0),
    clip_grad=dict(max_norm=0.01, norm_type=2))
