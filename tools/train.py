"""Trains a detector from an mmdn config with MMEngine's runner (mmdet 3.x's CLI).

Examples::

    python tools/train.py configs/demo/dn_dab_detr_r18_demo.py
    python tools/train.py CONFIG --resume                 # latest checkpoint in work_dir
    python tools/train.py CONFIG --resume work_dirs/x/epoch_4.pth
    tools/dist_train.sh CONFIG 8                          # 8 processes (gloo without CUDA)
"""
import argparse
import json
import os
import os.path as osp

from mmengine.config import DictAction
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

from mmdn.engine import (
    check_data_files,
    check_num_classes,
    check_pretrained,
    configure_amp,
    find_invalid_json,
    load_tool_config,
    setup_distributed,
    teardown_distributed,
)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Train a detector')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument('--amp', action='store_true',
                        help='mixed precision: float16 on CUDA, bfloat16 elsewhere')
    parser.add_argument('--auto-scale-lr', action='store_true',
                        help='scale the lr by the total batch size / base_batch_size')
    parser.add_argument(
        '--resume', nargs='?', type=str, const='auto',
        help='resume from this checkpoint, or without a path from the latest one in the '
        'work dir')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config keys, xxx=yyy (see mmdet)')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'],
                        default='none', help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def main() -> None:
    args = parse_args()
    cfg = load_tool_config(args)
    if args.amp:
        configure_amp(cfg)
    if args.auto_scale_lr:
        if 'base_batch_size' not in cfg.get('auto_scale_lr', {}):
            raise KeyError(f'{args.config} has no auto_scale_lr.base_batch_size')
        cfg.auto_scale_lr.enable = True
    if args.resume == 'auto':
        cfg.resume, cfg.load_from = True, None
    elif args.resume is not None:
        if not osp.isfile(args.resume):
            raise FileNotFoundError(f'--resume: checkpoint {args.resume} does not exist')
        cfg.resume, cfg.load_from = True, args.resume
    if cfg.get('load_from') and not cfg.get('resume', False):
        # Fine-tuning: the weights whose shapes fit (another class count re-initialises the
        # classifier and the label embedding), after the model's initialisation.
        cfg.custom_hooks = [*cfg.get('custom_hooks', []),
                            dict(type='LoadFittingWeightsHook', checkpoint=cfg.load_from)]
        cfg.load_from = None
    splits = ('train', 'val') if cfg.get('val_cfg') else ('train', )
    check_data_files(cfg, splits)
    check_num_classes(cfg, splits)
    check_pretrained(cfg)  # ImageNet weights in the cache (or downloaded) before any write
    setup_distributed(cfg)

    runner = Runner.from_cfg(cfg) if 'runner_type' not in cfg else RUNNERS.build(cfg)
    try:
        runner.train()
    except json.JSONDecodeError:
        find_invalid_json(cfg, splits)
        raise
    teardown_distributed()


if __name__ == '__main__':
    main()
