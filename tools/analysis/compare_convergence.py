"""Trains a baseline and its DN config with the same seeds and schedule and compares their
convergence (the paper's claim: DN reaches the baseline's result in about half the time).

Every run validates every ``--val-interval`` epochs and records the matching instability
(Eq. 2) with ``MatchingInstabilityHook``. With several ``--seeds``, each config trains
once a seed, ``--jobs`` trainings at a time (the cores split between them). Prints, per
evaluated epoch, each config's bbox AP as the mean ± sample standard deviation over the
seeds (the value itself with one seed), the first epoch at which DN's mean reaches the
baseline's final mean, and the instability the same way; writes the AP and IS curves
(PNG, mean with a ±1 sd band) and ``summary.json``. A run with its ``result.json`` is not
trained again, so a stopped comparison continues where it stopped.

Example (the `make demo` pair, 3 seeds, two trainings at a time)::

    python tools/analysis/compare_convergence.py \\
        configs/demo/dab_deformable_detr_pp_r18_fast_demo.py \\
        configs/demo/dn_deformable_detr_pp_r18_fast_demo.py --work-dir work_dirs/convergence \\
        --seeds 0 1 2 --jobs 2
"""
import argparse
import functools
import json
import statistics
import sys
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parent))
from demo_budget import curves_of, train_side_by_side  # noqa: E402
from plot_curves import plot_bands  # noqa: E402

from mmdn.analysis import markdown_table  # noqa: E402

AP_KEY = 'coco/bbox_mAP'
IS_KEY = 'matching_instability'
NAMES = ('baseline', 'dn')
Curve = List[Tuple[int, float]]
#: (epoch, mean, standard deviation) rows of a curve over the seeds.
Band = List[Tuple[int, float, float]]


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
    return parser.parse_args()


def first_epoch_reaching(curve: Sequence[Tuple], target: float) -> Optional[int]:
    """The first epoch whose value (a row's second item) is at least ``target``
    (None if never)."""
    return next((row[0] for row in curve if row[1] >= target), None)


def mean_and_sd(curves: Sequence[Curve]) -> Band:
    """Per epoch that every curve has: the mean and the sample standard deviation
    (0 for a single curve)."""
    if not curves:
        return []
    by_epoch = [dict(curve) for curve in curves]
    epochs = sorted(set.intersection(*(set(c) for c in by_epoch)))
    rows = []
    for epoch in epochs:
        values = [c[epoch] for c in by_epoch]
        sd = statistics.stdev(values) if len(values) > 1 else 0.0
        rows.append((epoch, statistics.fmean(values), sd))
    return rows


def wrapped_config(config: str, run_dir: Path, seed: int, val_interval: int) -> Path:
    """A config in ``run_dir`` inheriting ``config``: the seed, validation every
    ``val_interval`` epochs and the instability hook after the config's own hooks."""
    from mmengine.config import Config
    hooks = Config.fromfile(config).to_dict().get('custom_hooks', [])
    hooks.append(dict(type='MatchingInstabilityHook'))
    run_dir.mkdir(parents=True, exist_ok=True)
    wrapped = run_dir / f'{Path(config).stem}_seed{seed}.py'
    wrapped.write_text(f"_base_ = '{Path(config).resolve()}'\n"
                       f'custom_hooks = {hooks!r}\n'
                       f'randomness = dict(seed={seed})\n'
                       f'train_cfg = dict(val_interval={val_interval})\n')
    return wrapped


def train_seeds(configs: Dict[str, str], root: Path, seeds: Sequence[int], jobs: int,
                val_interval: int, options: Sequence[str]) -> Dict[str, List[Dict]]:
    """Trains every (config, seed), ``jobs`` at a time, into ``root/<name>/seed<s>``;
    returns per name the seeds' results (``seed`` and the AP / IS curves)."""
    runs = {root / name / f'seed{seed}': (name, seed) for seed in seeds for name in configs}

    def record(run_dir: Path) -> None:
        result = dict(seed=runs[run_dir][1],
                      curves=curves_of(run_dir / 'train', (AP_KEY, IS_KEY)))
        (run_dir / 'result.json').write_text(json.dumps(result))

    train_side_by_side([(run_dir, functools.partial(wrapped_config, configs[name], run_dir,
                                                    seed, val_interval))
                        for run_dir, (name, seed) in runs.items()
                        if not (run_dir / 'result.json').is_file()], jobs, options, record)
    return {name: [json.loads((root / name / f'seed{seed}' / 'result.json').read_text())
                   for seed in seeds] for name in configs}


def band_of(results: List[Dict], key: str) -> Band:
    return mean_and_sd([r['curves'][key] for r in results])


def format_value(mean: float, sd: float, seeds: int) -> str:
    return f'{mean:.3f} ± {sd:.3f}' if seeds > 1 else f'{mean:.3f}'


def convergence_table(bands: Dict[str, Band], seeds: int) -> Tuple[List[List[str]],
                                                                    Optional[int]]:
    """Rows (epoch, baseline, DN, DN - baseline of the means) and the first epoch at
    which DN's mean reaches the baseline's final mean (None if never)."""
    base, dn = (dict((e, (m, s)) for e, m, s in bands[name]) for name in NAMES)
    rows = []
    for epoch in sorted(set(base) & set(dn)):
        rows.append([str(epoch), format_value(*base[epoch], seeds),
                     format_value(*dn[epoch], seeds),
                     f'{dn[epoch][0] - base[epoch][0]:+.3f}'])
    reached = first_epoch_reaching(bands['dn'], bands['baseline'][-1][1]) \
        if bands['baseline'] else None
    return rows, reached


def main() -> None:
    args = parse_args()
    root = Path(args.work_dir)
    configs = dict(zip(NAMES, (args.baseline, args.dn)))
    results = train_seeds(configs, root, args.seeds, args.jobs, args.val_interval,
                          args.cfg_options)
    seeds = len(args.seeds)
    labels = {'baseline': Path(args.baseline).stem, 'dn': Path(args.dn).stem}
    summary = dict(seeds=list(args.seeds), configs=configs)
    for key in (AP_KEY, IS_KEY):
        bands = {name: band_of(results[name], key) for name in NAMES}
        out = root / f"{key.replace('/', '_')}.png"
        plot_bands({labels[name]: bands[name] for name in NAMES}, key, out)
        rows, reached = convergence_table(bands, seeds)
        summary[key] = dict(bands, dn_reaches_baseline_final=reached)
        spread = f'mean ± sd over seeds {args.seeds}' if seeds > 1 else f'seed {args.seeds[0]}'
        print(f'\n{key}, {spread} ({out}):\n')
        print(markdown_table(['epoch', labels['baseline'], labels['dn'], 'DN - baseline'],
                             rows))
        if key == AP_KEY and bands['baseline']:
            final_epoch, final, _ = bands['baseline'][-1]
            print(f"\nThe baseline's final {'mean ' if seeds > 1 else ''}AP ({final:.3f}, "
                  f"epoch {final_epoch}) is reached by the DN "
                  f"{'mean ' if seeds > 1 else 'run '}"
                  + (f'at epoch {reached}.' if reached else 'at no epoch.'))
    (root / 'summary.json').write_text(json.dumps(summary, indent=1))


if __name__ == '__main__':
    main()
