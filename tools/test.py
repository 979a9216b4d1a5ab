"""Evaluates a checkpoint on a config's test set with COCO metrics (mmdet 3.x's CLI).

Examples::

    python tools/test.py CONFIG CHECKPOINT
    python tools/test.py CONFIG CHECKPOINT --out results.pkl --show-dir vis
    tools/dist_test.sh CONFIG CHECKPOINT 8
"""
import argparse
import json
import os

from mmengine.config import Config, DictAction
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

from mmdet.evaluation import DumpDetResults
from mmdn.engine import (
    check_data_files,
    check_num_classes,
    find_invalid_json,
    load_tool_config,
    setup_distributed,
    teardown_distributed,
)
from mmdn.engine.checkpoint import check_checkpoint_file


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Test (and evaluate) a detector')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='the dir to save the evaluation metrics')
    parser.add_argument('--out', help='dump the predictions to this .pkl file')
    parser.add_argument('--show', action='store_true', help='show the predictions')
    parser.add_argument('--show-dir', help='save drawn predictions under work_dir/timestamp/'
                        'SHOW_DIR')
    parser.add_argument('--wait-time', type=float, default=2, help='seconds per image shown')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config keys, xxx=yyy (see mmdet)')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'],
                        default='none', help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def enable_visualization(cfg: Config, args: argparse.Namespace) -> None:
    """Turns on the config's DetVisualizationHook for --show / --show-dir."""
    hook = cfg.default_hooks.get('visualization')
    if hook is None:
        raise KeyError(f'{args.config} has no default_hooks.visualization for --show-dir')
    hook['draw'] = True
    if args.show:
        hook['show'] = True
        hook['wait_time'] = args.wait_time
    if args.show_dir:
        hook['test_out_dir'] = args.show_dir


def main() -> None:
    args = parse_args()
    cfg = load_tool_config(args)
    if args.out is not None and not args.out.endswith(('.pkl', '.pickle')):
        raise ValueError(f'--out {args.out}: the predictions are dumped to a .pkl file')
    # A missing or truncated file stops here, before the runner writes logs or --out is
    # touched; the runner then reads it, once.
    cfg.load_from = check_checkpoint_file(args.checkpoint)
    if args.show or args.show_dir:
        enable_visualization(cfg, args)
    check_data_files(cfg, ('test', ))
    check_num_classes(cfg, ('test', ))
    setup_distributed(cfg)

    runner = Runner.from_cfg(cfg) if 'runner_type' not in cfg else RUNNERS.build(cfg)
    if args.out is not None:
        runner.test_evaluator.metrics.append(DumpDetResults(out_file_path=args.out))
    try:
        runner.test()
    except json.JSONDecodeError:
        find_invalid_json(cfg, ('test', ))
        raise
    teardown_distributed()


if __name__ == '__main__':
    main()
