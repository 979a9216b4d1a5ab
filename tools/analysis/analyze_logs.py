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
from pathlib import Path

from mmdn.analysis.curves import find_scalars, logged_curve, plot_panels, read_records, train_time


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


def plot_curves(args: argparse.Namespace) -> None:
    runs = [Path(r) for r in args.runs]
    labels = args.labels or [r.name for r in runs]
    if len(labels) != len(runs):
        raise SystemExit(f'{len(runs)} runs but {len(labels)} labels')
    records = {label: (find_scalars(run), read_records(find_scalars(run)))
               for label, run in zip(labels, runs)}
    panels = {}
    for key in args.keys:
        panels[key] = {}
        for label, (source, lines) in records.items():
            try:
                points = logged_curve(lines, key, args.by, source)
            except ValueError as err:
                raise SystemExit(str(err))
            panels[key][label] = points
            print(f'{label} {key}: {len(points)} points, last {points[-1][1]:.4f} at '
                  f'{args.by} {points[-1][0]}')
    plot_panels(panels, None, args.out, columns=1, xlabel=args.by, size=(6, 3))
    print(f'saved {args.out}')


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
