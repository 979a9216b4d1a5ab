"""Which demo model learns fastest per CPU-minute: trains each config for the same
training-time budget and tabulates the final bbox mAP.

A budget of M minutes becomes a number of epochs per config: a short timing run
(``--timing-iters`` train iterations on the config's own data, alone on the machine)
gives its seconds per iteration; the config then trains
``floor(M * 60 / (s_iter * iterations_per_epoch))`` epochs (at least one) with its lr
milestones scaled to that length (the demo's drop at 10 of 12 epochs stays at 5/6),
seed ``--seed``, validating every epoch. Since the budget is fixed before training, the
trainings may run side by side (``--jobs``; the cores are split between them) without
changing what each learns. A config whose ``result.json`` is in the work dir is not
trained again, so a stopped run continues where it stopped.

Example (the six DN demo models, 15 minutes each, two at a time)::

    python tools/analysis/demo_budget.py configs/demo/dn_{dab_detr,deformable_detr,\\
deformable_detr_pp,dino,anchor_detr,detr}_r18_demo.py --minutes 15 --work-dir \\
        work_dirs/budget --jobs 2
"""
import argparse
from pathlib import Path

from mmdn.analysis import markdown_table
from mmdn.analysis.runs import AP_KEYS, budget_of, train_runs


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('configs', nargs='+')
    parser.add_argument('--minutes', type=float, default=15.0,
                        help='training time of each config (validation not counted)')
    parser.add_argument('--work-dir', required=True)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--jobs', type=int, default=1, help='trainings run side by side')
    parser.add_argument('--timing-iters', type=int, default=30,
                        help='timed iterations (the first 10 are a warm-up)')
    parser.add_argument('--cfg-options', nargs='+', default=[],
                        help='passed to every run (e.g. another data root)')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    root = Path(args.work_dir)
    runs = [(root / Path(config).stem, config,
             budget_of(config, root / Path(config).stem, args.minutes, args.timing_iters,
                       args.cfg_options)) for config in args.configs]
    results = train_runs(runs, args.seed, args.jobs, args.cfg_options)
    rows = []
    for run_dir, config, _ in runs:
        info = results[run_dir]
        ap, ap50 = (info['curves'][key][-1][1] for key in AP_KEYS)
        minutes = info['epochs'] * info['iters_per_epoch'] * info['seconds_per_iter'] / 60
        rows.append([f'`{config}`', f"{info['seconds_per_iter']:.2f}", str(info['epochs']),
                     f'{minutes:.1f}', f'{ap:.3f}', f'{ap50:.3f}'])
    print(f'\n{args.minutes:g} minutes of training each, seed {args.seed}:\n')
    print(markdown_table(['config', 's / iter', 'epochs', 'train min (est.)', 'bbox mAP',
                          'AP50'], rows))


if __name__ == '__main__':
    main()
