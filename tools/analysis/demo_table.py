"""The toy Table 3: every baseline / DN demo pair trained with the same seed on the same
budget, and what denoising changes.

Each pair gets the epochs its DN config fits in ``--minutes`` of training (timed as in
``demo_budget.py``; the baseline, a little faster, gets the same epochs), the demo
schedule scaled to them, validation every epoch. Writes, per pair, both bbox mAP curves
in one PNG (``WORK_DIR/<pair>.png``; every pair's in ``WORK_DIR/pairs.png``) and prints a
markdown table: each run's final bbox mAP and the first epoch at which the DN run reaches
its baseline's final mAP.
Finished runs are kept (``result.json``), so a stopped table continues where it stopped.

Example (all pairs, 15 minutes each, two trainings at a time)::

    python tools/analysis/demo_table.py --minutes 15 --work-dir work_dirs/demo_table \\
        --jobs 2
"""
import argparse
from pathlib import Path

from mmdn.analysis import markdown_table
from mmdn.analysis.convergence import pair_row
from mmdn.analysis.curves import plot, plot_panels
from mmdn.analysis.runs import AP_KEYS, budget_of, train_runs

DEMO = 'configs/demo'
# (baseline, DN) demo configs: Tables 1 and 3 of the paper at demo size.
PAIRS = {
    'dab_detr': ('dab_detr_r18_demo.py', 'dn_dab_detr_r18_demo.py'),
    'dab_detr_fast': ('dab_detr_r18_fast_demo.py', 'dn_dab_detr_r18_fast_demo.py'),
    'deformable_detr': ('dab_deformable_detr_r18_demo.py', 'dn_deformable_detr_r18_demo.py'),
    'deformable_detr_pp': ('dab_deformable_detr_pp_r18_demo.py',
                           'dn_deformable_detr_pp_r18_demo.py'),
    'deformable_detr_pp_fast': ('dab_deformable_detr_pp_r18_fast_demo.py',
                                'dn_deformable_detr_pp_r18_fast_demo.py'),
    'dino': ('dino_r18_nodn_demo.py', 'dn_dino_r18_demo.py'),
    'anchor_detr': ('anchor_detr_r18_demo.py', 'dn_anchor_detr_r18_demo.py'),
    'detr': ('detr_r18_demo.py', 'dn_detr_r18_demo.py'),
    'group_dab_detr': ('group_dab_detr_r18_demo.py', 'dn_group_dab_detr_r18_demo.py'),
    'sam_detr_pp': ('sam_detr_pp_r18_demo.py', 'dn_sam_detr_pp_r18_demo.py'),
    'faster_rcnn': ('faster_rcnn_r18_demo.py', 'dn_faster_rcnn_r18_demo.py'),
    'mask2former': ('mask2former_r18_demo.py', 'dn_mask2former_r18_demo.py'),
    'conditional_detr': ('conditional_detr_r18_demo.py', 'dn_conditional_detr_r18_demo.py'),
}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--pairs', nargs='+', choices=list(PAIRS), default=list(PAIRS))
    parser.add_argument('--minutes', type=float, default=15.0,
                        help="training time of a pair's DN run (validation not counted)")
    parser.add_argument('--work-dir', required=True)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--jobs', type=int, default=1, help='trainings run side by side')
    parser.add_argument('--timing-iters', type=int, default=30)
    parser.add_argument('--cfg-options', nargs='+', default=[],
                        help='passed to every run (e.g. another data root)')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    root = Path(args.work_dir)
    runs = []
    for name in args.pairs:
        baseline, dn = (f'{DEMO}/{config}' for config in PAIRS[name])
        budget = budget_of(dn, root / name, args.minutes, args.timing_iters,
                           args.cfg_options)
        runs += [(root / name / 'baseline', baseline, budget),
                 (root / name / 'dn', dn, budget)]
    results = train_runs(runs, args.seed, args.jobs, args.cfg_options)
    rows, panels = [], {}
    for name in args.pairs:
        baseline, dn = results[root / name / 'baseline'], results[root / name / 'dn']
        rows.append(pair_row(name, baseline, dn))
        panels[name] = {Path(PAIRS[name][0]).stem: baseline['curves'][AP_KEYS[0]],
                        Path(PAIRS[name][1]).stem: dn['curves'][AP_KEYS[0]]}
        out = root / f'{name}.png'
        plot(panels[name], AP_KEYS[0], out)
        print(f'{out}: {name}, bbox mAP against the epoch')
    plot_panels(panels, AP_KEYS[0], root / 'pairs.png')
    print(f"{root / 'pairs.png'}: every pair's curves in one figure")
    print(f"\nThe DN run's {args.minutes:g} minutes of training a pair, seed {args.seed}:\n")
    print(markdown_table(['pair', 'epochs', 'baseline mAP', 'DN mAP', 'DN - baseline',
                          "first epoch DN >= baseline's final"], rows))


if __name__ == '__main__':
    main()
