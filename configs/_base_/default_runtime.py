# Runtime shared by every mmdn config: MMEngine's runner with mmdet's scope and mmdn's modules.
default_scope = 'mmdet'
custom_imports = dict(imports=['mmdn'], allow_failed_imports=False)

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    # LoggerHook, with the test metrics file written by the main process only.
    logger=dict(type='MainProcessLoggerHook', interval=50),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', interval=1),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='DetVisualizationHook'))

env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    # tools/train.py and tools/test.py switch to gloo on machines without CUDA.
    dist_cfg=dict(backend='nccl'))

vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='DetLocalVisualizer', vis_backends=vis_backends, name='visualizer')
log_processor = dict(type='LogProcessor', window_size=50, by_epoch=True)

log_level = 'INFO'
load_from = None
resume = False
