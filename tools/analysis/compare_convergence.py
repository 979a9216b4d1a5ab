"""Trains a baseline and its DN config with the same seed and schedule and compares their
convergence (the paper's claim: DN reaches the baseline's result in about half the time).

Both runs validate every epoch and record the matching instability (Eq. 2) with
``MatchingInstabilityHook``. Prints each run's bbox AP per epoch, the first epoch at
which the DN run reaches the baseline's final AP, and writes AP and IS curves (PNG)
with ``plot_curves.py``.

Example (the demo pair, ~35 min on a 2-core CPU)::

    python tools/analysis/compare_convergence.py configs/demo/dab_detr_r18_demo.py \\
        configs/demo/dn_dab_detr_r18_demo.py --work-dir work_dirs/convergence
"""
import argparse
import subprocess
import sys
from pathlib import Path
from typing import List, Optional, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parent))
from plot_curves import find_scalars, read_curve  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
AP_KEY = 'coco/bbox_mAP'


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('baseline')
    parser.add_argument('dn')
    parser.add_argument('--work-dir', required=True)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--cfg-options', nargs='+', default=[],
                        help='passed to both trainings (e.g. a shorter schedule)')
    return parser.parse_args()


def first_epoch_reaching(curve: List[Tuple[int, float]], target: float) -> Optional[int]:
    """The first epoch whose value is at least ``target`` (None if never)."""
    return next((epoch for epoch, value in curve if value >= target), None)


def train(config: str, work_dir: Path, seed: int, options: List[str]) -> Path:
    """tools/train.py on ``config`` plus the hook, validating every epoch."""
    work_dir.mkdir(parents=True, exist_ok=True)
    wrapped = work_dir / f'{Path(config).stem}_convergence.py'
    wrapped.write_text(f"_base_ = '{Path(config).resolve()}'\n"
                       "custom_hooks = [dict(type='MatchingInstabilityHook')]\n"
                       f"randomness = dict(seed={seed})\n"
                       "train_cfg = dict(val_interval=1)\n")
    cmd = [sys.executable, str(REPO / 'tools' / 'train.py'), str(wrapped), '--work-dir',
           str(work_dir)] + (['--cfg-options', *options] if options else [])
    subprocess.run(cmd, check=True, cwd=REPO)
    return work_dir


def main() -> None:
    args = parse_args()
    root = Path(args.work_dir)
    runs = {name: train(config, root / name, args.seed, args.cfg_options)
            for name, config in (('baseline', args.baseline), ('dn', args.dn))}
    curves = {name: read_curve(find_scalars(d), AP_KEY) for name, d in runs.items()}
    for name, curve in curves.items():
        print(f'{name}: ' + ', '.join(f'{e}: {v:.3f}' for e, v in curve))
    final_epoch, final_ap = curves['baseline'][-1]
    reached = first_epoch_reaching(curves['dn'], final_ap)
    print(f"The baseline's final AP ({final_ap:.3f}, epoch {final_epoch}) is reached by the "
          f'DN run ' + (f'at epoch {reached}.' if reached else 'at no epoch.'))
    subprocess.run([sys.executable, str(REPO / 'tools' / 'analysis' / 'plot_curves.py'),
                    str(runs['baseline']), str(runs['dn']), '--labels',
                    Path(args.baseline).stem, Path(args.dn).stem, '--keys', AP_KEY,
                    'matching_instability', '--out-dir', str(root)], check=True)


if __name__ == '__main__':
    main()
