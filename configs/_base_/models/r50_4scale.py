# The input side shared by the 4-scale models (Deformable DETR's): ResNet-50 C3-C5, each
# projected to 256 channels with GroupNorm, plus one stride-2 level from C5 (no FPN).
_base_ = './r50_c5.py'
model = dict(
    backbone=dict(out_indices=(1, 2, 3)),
    neck=dict(
        in_channels=[512, 1024, 2048],
        norm_cfg=dict(type='GN', num_groups=32),
        bias=True,  # the official input projections: conv with bias, then GroupNorm
        num_outs=4))
