"""Fetches the ImageNet weights that configs start from into torch's cache, for machines
without internet (cluster compute nodes): run it where the network is, then copy the
folder it prints to the same place on those machines (or share it through TORCH_HOME).

    python tools/misc/download_pretrained.py configs/dn_dab_detr_r50_50e.py [CONFIG ...]
    python tools/misc/download_pretrained.py            # every config under configs/

Each ``torchvision://NAME`` of a config's ``init_cfg`` is downloaded (unless it is cached
already) to ``$TORCH_HOME/hub/checkpoints`` and read back to check it; training loads it
from there (:mod:`mmdn.engine.pretrained`).
"""
import argparse
import glob
import os.path as osp
import sys
from typing import List

from mmengine.config import Config

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, REPO)

from mmdn.engine.pretrained import (  # noqa: E402
    PretrainedWeightsError,
    cache_dir,
    load_from_torchvision_cache,
    pretrained_uris,
    resolve,
)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('configs', nargs='*', help='configs (default: all of configs/)')
    return parser.parse_args()


def all_configs() -> List[str]:
    return sorted(p for p in glob.glob(osp.join(REPO, 'configs', '**', '*.py'), recursive=True)
                  if '_base_' not in p.split(osp.sep))


def main() -> None:
    args = parse_args()
    uris = sorted({uri for config in (args.configs or all_configs())
                   for uri in pretrained_uris(Config.fromfile(config).model)})
    if not uris:
        print('the configs name no torchvision:// weights: nothing to fetch')
        return
    for uri in uris:
        path = resolve(uri)['path']
        cached = osp.isfile(path)
        try:
            state = load_from_torchvision_cache(uri, map_location='cpu')
        except PretrainedWeightsError as err:
            sys.exit(f'error: {err}')
        print(f'{uri}: {path} ({"cached" if cached else "downloaded"}, {len(state)} tensors)')
    print(f'pretrained weights in {cache_dir()}')


if __name__ == '__main__':
    main()
