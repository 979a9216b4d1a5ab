"""Training logs of one or more runs: curves of any logged scalar, and the time per
iteration (mmdet's ``analyze_logs``, on MMEngine's ``vis_data/scalars.json``).

    python tools/analysis/analyze_logs.py plot_curve RUN [RUN ...] --keys loss dn_loss_cls \\
        [--by iter|epoch] [--labels A B] [--out curves.png]
    python tools/analysis/analyze_logs.py cal_train_time RUN [RUN ...] [--skip-first 1]

RUN is a work dir of ``tools/train.py`` (its newest run) or a timestamped run dir. Training
scalars (losses, lr, grad_norm, time, ...) are logged per iteration: ``--by iter`` plots
them against the iteration, ``--by epoch`` plots each epoch's mean. Validation scalars
(``coco/bbox_mAP``, ...) and hook scalars (``matching_instability``) are per epoch.
"""
import argparse
import statistics
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any, Dict, List, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parent))
import matplotlib.pyplot as plt  # noqa: E402
from plot_curves import find_scalars, read_records  # noqa: E402 (selects matplotlib's Agg)

Curve = List[Tuple[float, float]]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    tasks = parser.add_subparsers(dest='task', required=True)
    plot = tasks.add_parser('plot_curve', help='curves of logged scalars')
    plot.add_argument('runs', nargs='+', help='work dirs or run dirs')
    plot.add_argument('--keys', nargs='+', default=['loss'], help='logged scalars')
    plot.add_argument('--by', choices=['iter', 'epoch'], default='iter',
                      help='x axis of the training scalars (default: iter)')
    plot.add_argument('--labels', nargs='+', help='one legend label per run')
    plot.add_argument('--out', default='curves.png', help='the PNG (default: curves.png)')
    timing = tasks.add_parser('cal_train_time', help='mean time per training iteration')
    timing.add_argument('runs', nargs='+', help='work dirs or run dirs')
    timing.add_argument('--skip-first', type=int, default=1,
                        help='iterations left out at the start (warm-up; default 1)')
    return parser.parse_args()


def _is_train(record: Dict[str, Any]) -> bool:
    return 'iter' in record and 'epoch' in record


def curve(records: List[Dict[str, Any]], key: str, by: str, source: Path) -> Curve:
    """(x, value) of ``key``: per iteration, or per epoch (training scalars averaged)."""
    train = [r for r in records if _is_train(r) and key in r]
    if train:
        if by == 'iter':
            return [(r['step'], float(r[key])) for r in train]
        per_epoch = defaultdict(list)
        for r in train:
            per_epoch[r['epoch']].append(float(r[key]))
        return [(epoch, statistics.fmean(v)) for epoch, v in sorted(per_epoch.items())]
    points = [(r['step'], float(r[key])) for r in records if not _is_train(r) and key in r]
    if not points:
        known = sorted({k for r in records for k in r} - {'step', 'epoch', 'iter'})
        raise SystemExit(f'{source}: no scalar {key!r}; logged: {", ".join(known)}')
    if by == 'iter':
        raise SystemExit(f'{key!r} is logged once an epoch (validation or a hook): use '
                         '--by epoch')
    return points


def plot_curves(args: argparse.Namespace) -> None:
    runs = [Path(r) for r in args.runs]
    labels = args.labels or [r.name for r in runs]
    if len(labels) != len(runs):
        raise SystemExit(f'{len(runs)} runs but {len(labels)} labels')
    records = {label: (find_scalars(run), read_records(find_scalars(run)))
               for label, run in zip(labels, runs)}
    fig, axes = plt.subplots(len(args.keys), 1, figsize=(6, 3 * len(args.keys)), dpi=100,
                             squeeze=False)
    for ax, key in zip(axes[:, 0], args.keys):
        for label, (source, lines) in records.items():
            points = curve(lines, key, args.by, source)
            ax.plot(*zip(*points), label=label, marker='o' if len(points) < 30 else None)
            print(f'{label} {key}: {len(points)} points, last {points[-1][1]:.4f} at '
                  f'{args.by} {points[-1][0]}')
        ax.set_xlabel(args.by)
        ax.set_ylabel(key)
        ax.grid(alpha=0.3)
        ax.legend(fontsize='small')
    fig.tight_layout()
    fig.savefig(args.out)
    plt.close(fig)
    print(f'saved {args.out}')


def train_time(records: List[Dict[str, Any]], skip_first: int) -> Dict[str, Any]:
    """Mean seconds per iteration over the run and per epoch (the first ``skip_first``
    iterations left out)."""
    train = [r for r in records if _is_train(r) and 'time' in r][skip_first:]
    if not train:
        raise ValueError('no training iteration logged after the skipped ones')
    per_epoch = defaultdict(list)
    for r in train:
        per_epoch[r['epoch']].append(float(r['time']))
    means = {epoch: statistics.fmean(v) for epoch, v in sorted(per_epoch.items())}
    return dict(iterations=len(train), mean=statistics.fmean(float(r['time']) for r in train),
                per_epoch=means,
                std_over_epochs=statistics.pstdev(means.values()) if len(means) > 1 else 0.)


def cal_train_time(args: argparse.Namespace) -> None:
    for run in args.runs:
        source = find_scalars(Path(run))
        try:
            t = train_time(read_records(source), args.skip_first)
        except ValueError as err:
            raise SystemExit(f'{source}: {err}')
        slow = max(t['per_epoch'], key=t['per_epoch'].get)
        fast = min(t['per_epoch'], key=t['per_epoch'].get)
        print(f'{run}: {t["mean"]:.3f} s/iter over {t["iterations"]} iterations '
              f'(first {args.skip_first} left out); slowest epoch {slow} '
              f'({t["per_epoch"][slow]:.3f} s/iter), fastest epoch {fast} '
              f'({t["per_epoch"][fast]:.3f} s/iter), std over epochs '
              f'{t["std_over_epochs"]:.3f}')


def main() -> None:
    args = parse_args()
    plot_curves(args) if args.task == 'plot_curve' else cal_train_time(args)


if __name__ == '__main__':
    main()
