# DN-DAB-DETR for dense scenes (hundreds of objects an image): more matching queries and
# detections than objects, and a cap on the denoising queries so that the decoder's
# self-attention over P*M + L queries stays bounded: with more than 200 objects in an
# image the groups drop below 5, and beyond 1,000 objects one group denoises 1,000 of
# them drawn at random.
_base_ = '../dn_dab_detr_r50_50e.py'
model = dict(
    num_queries=900,
    dn_cfg=dict(max_dn_queries=1000),
    test_cfg=dict(max_per_img=900))
