"""Plots per-epoch curves of several training runs (the paper's Figs. 1, 3 and 7).

Reads each run's ``vis_data/scalars.json`` (MMEngine's LocalVisBackend; a work dir, whose
timestamped runs, a training and its resumptions, are read in order, or one run dir) and
takes the lines that carry the key, with their epoch as x: ``coco/bbox_mAP`` (validation,
AP vs epoch) or ``matching_instability`` (written by ``MatchingInstabilityHook``, IS vs
epoch). One PNG per key, one line per run.

Example::

    python tools/analysis/plot_curves.py work_dirs/dab work_dirs/dn \\
        --labels DAB-DETR DN-DAB-DETR --keys coco/bbox_mAP matching_instability \\
        --out-dir curves
"""
import argparse
from pathlib import Path

from mmdn.analysis.curves import all_scalars, plot, read_curve


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('runs', nargs='+', help='work dirs or run dirs')
    parser.add_argument('--labels', nargs='+', help='one legend label per run')
    parser.add_argument('--keys', nargs='+', default=['coco/bbox_mAP'])
    parser.add_argument('--out-dir', default='.', help='where the PNGs go')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    runs = [Path(r) for r in args.runs]
    labels = args.labels or [r.name for r in runs]
    if len(labels) != len(runs):
        raise SystemExit(f'{len(runs)} runs but {len(labels)} labels')
    scalars = [all_scalars(r) for r in runs]
    out_dir = Path(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for key in args.keys:
        curves = {label: read_curve(s, key) for label, s in zip(labels, scalars)}
        out = out_dir / f"{key.replace('/', '_')}.png"
        plot(curves, key, out)
        print(f'{out}:')
        for label, points in curves.items():
            print(f'  {label}: ' + ', '.join(f'{e}: {v:.4f}' for e, v in points))


if __name__ == '__main__':
    main()
