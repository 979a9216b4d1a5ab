"""Prints a config as the tools resolve it: its bases merged and ``--cfg-options`` applied.

    python tools/misc/print_config.py configs/dn_dab_detr_r50_50e.py
    python tools/misc/print_config.py CONFIG --cfg-options model.dn_cfg.num_groups=10
    python tools/misc/print_config.py CONFIG --save-path resolved.py
"""
import argparse

from mmengine.config import DictAction

from mmdn.engine import load_config


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('config', help='config file path')
    parser.add_argument('--save-path', help='also write the resolved config here (.py, '
                        '.json or .yaml)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config keys, xxx=yyy (see mmdet)')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    cfg = load_config(args.config, args.cfg_options)
    print(cfg.pretty_text)
    if args.save_path:
        cfg.dump(args.save_path)
        print(f'saved to {args.save_path}')


if __name__ == '__main__':
    main()
