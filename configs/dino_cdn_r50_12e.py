# DINO-4scale R50 with its own contrastive denoising (mmdet's DINO and CdnQueryGenerator,
# 49.0 AP in mmdet's model zoo), 12 epochs: the third arm of the Table 3 comparison.
_base_ = './dino_r50_nodn_12e.py'
model = dict(
    type='DINO',
    dn_cfg=dict(
        label_noise_scale=0.5,
        box_noise_scale=1.0,
        group_cfg=dict(dynamic=True, num_groups=None, num_dn_queries=100)),
    bbox_head=dict(type='DINOHead'))
