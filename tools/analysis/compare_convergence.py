"""Trains a baseline and its DN config with the same seeds and schedule and compares their
convergence (the paper's claim: DN reaches the baseline's result in about half the time).

Every run validates every ``--val-interval`` epochs and records the matching instability
(Eq. 2) with ``MatchingInstabilityHook``. With several ``--seeds``, each config trains
once a seed, ``--jobs`` trainings at a time (the cores split between them). Prints, per
evaluated epoch, each config's bbox AP as the mean ± sample standard deviation over the
seeds (the value itself with one seed), the first epoch at which DN's mean reaches the
baseline's final mean, and the instability the same way; writes the AP and IS curves
(PNG, mean with a ±1 sd band) and ``summary.json``. A run with its ``result.json`` is not
trained again, and a training stopped part way resumes from its last checkpoint (its
curves read across both parts; the instability hook keeps its vectors in checkpoints; the
epoch's evaluation, which the stop may have cut, is made first), so a stopped comparison
continues where it stopped. ``--anchor-distance`` adds the
anchor-target distance (§3.2) of each run's last checkpoint on the test set, as
``anchor_target_distance.py`` measures it, mean ± sd over the seeds. ``--metric
coco/segm_mAP --no-instability`` compares a mask pair (Mask2Former, whose head the
instability hook does not support) by mask AP.

Example (the `make demo` pair, 3 seeds, two trainings at a time)::

    python tools/analysis/compare_convergence.py \\
        configs/demo/dab_deformable_detr_pp_r18_fast_demo.py \\
        configs/demo/dn_deformable_detr_pp_r18_fast_demo.py --work-dir work_dirs/convergence \\
        --seeds 0 1 2 --jobs 2
"""
import argparse
import json
from pathlib import Path

from mmdn.analysis import markdown_table
from mmdn.analysis.convergence import (
    AP_KEY,
    IS_KEY,
    NAMES,
    anchor_distance,
    band_of,
    convergence_table,
    distance_table,
    train_seeds,
)
from mmdn.analysis.curves import plot_bands


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('baseline')
    parser.add_argument('dn')
    parser.add_argument('--work-dir', required=True)
    parser.add_argument('--seeds', type=int, nargs='+', default=[0])
    parser.add_argument('--jobs', type=int, default=1, help='trainings run side by side')
    parser.add_argument('--val-interval', type=int, default=1, help='epochs between evaluations')
    parser.add_argument('--cfg-options', nargs='+', default=[],
                        help='passed to every training (e.g. a shorter schedule)')
    parser.add_argument('--metric', default=AP_KEY,
                        help='the validation key compared (coco/segm_mAP for masks)')
    parser.add_argument('--no-instability', action='store_true',
                        help='without the instability hook (models it does not support, '
                             'e.g. Mask2Former)')
    parser.add_argument('--anchor-distance', action='store_true',
                        help="also the anchor-target distance (§3.2) of each run's last "
                             'checkpoint on the test set')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    root = Path(args.work_dir)
    configs = dict(zip(NAMES, (args.baseline, args.dn)))
    keys = (args.metric, ) + (() if args.no_instability else (IS_KEY, ))
    results = train_seeds(configs, root, args.seeds, args.jobs, args.val_interval,
                          args.cfg_options, keys)
    seeds = len(args.seeds)
    labels = {'baseline': Path(args.baseline).stem, 'dn': Path(args.dn).stem}
    summary = dict(seeds=list(args.seeds), configs=configs, metric=args.metric)
    spread = f'mean ± sd over seeds {args.seeds}' if seeds > 1 else f'seed {args.seeds[0]}'
    for key in keys:
        bands = {name: band_of(results[name], key) for name in NAMES}
        out = root / f"{key.replace('/', '_')}.png"
        plot_bands({labels[name]: bands[name] for name in NAMES}, key, out)
        rows, reached = convergence_table(bands, seeds)
        summary[key] = dict(bands, dn_reaches_baseline_final=reached)
        print(f'\n{key}, {spread} ({out}):\n')
        print(markdown_table(['epoch', labels['baseline'], labels['dn'], 'DN - baseline'],
                             rows))
        if key == args.metric and bands['baseline']:
            final_epoch, final, _ = bands['baseline'][-1]
            print(f"\nThe baseline's final {'mean ' if seeds > 1 else ''}AP ({final:.3f}, "
                  f"epoch {final_epoch}) is reached by the DN "
                  f"{'mean ' if seeds > 1 else 'run '}"
                  + (f'at epoch {reached}.' if reached else 'at no epoch.'))
    if args.anchor_distance:
        distances = {name: [anchor_distance(root / name / f'seed{seed}', args.cfg_options)
                            for seed in args.seeds] for name in NAMES}
        summary['anchor_distance'] = distances
        print(f"\nAnchor-target distance (mean L1 over the matched queries of the last "
              f"checkpoint, test set), {spread}:\n")
        print(markdown_table(['config', 'box (cx, cy, w, h)', 'centre (cx, cy)'],
                             distance_table(distances, labels)))
    (root / 'summary.json').write_text(json.dumps(summary, indent=1))


if __name__ == '__main__':
    main()
