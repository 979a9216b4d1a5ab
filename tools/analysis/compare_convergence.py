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
curves read across both parts; the instability hook keeps its vectors in checkpoints), so
a stopped comparison continues where it stopped. ``--anchor-distance`` adds the
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
import contextlib
import functools
import json
import statistics
import sys
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parent))
from demo_budget import curves_of, merged_config, train_side_by_side  # noqa: E402
from plot_curves import plot_bands  # noqa: E402

from mmdn.analysis import markdown_table, mean_distances  # noqa: E402

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
    parser.add_argument('--metric', default=AP_KEY,
                        help='the validation key compared (coco/segm_mAP for masks)')
    parser.add_argument('--no-instability', action='store_true',
                        help='without the instability hook (models it does not support, '
                             'e.g. Mask2Former)')
    parser.add_argument('--anchor-distance', action='store_true',
                        help="also the anchor-target distance (§3.2) of each run's last "
                             'checkpoint on the test set')
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


def wrapped_config(config: str, run_dir: Path, seed: int, val_interval: int,
                   instability: bool = True) -> Path:
    """A config in ``run_dir`` inheriting ``config``: the seed, validation every
    ``val_interval`` epochs and (``instability``) the instability hook after the config's
    own hooks."""
    from mmengine.config import Config
    hooks = Config.fromfile(config).to_dict().get('custom_hooks', [])
    if instability:
        hooks.append(dict(type='MatchingInstabilityHook'))
    run_dir.mkdir(parents=True, exist_ok=True)
    wrapped = run_dir / f'{Path(config).stem}_seed{seed}.py'
    wrapped.write_text(f"_base_ = '{Path(config).resolve()}'\n"
                       f'custom_hooks = {hooks!r}\n'
                       f'randomness = dict(seed={seed})\n'
                       f'train_cfg = dict(val_interval={val_interval})\n')
    return wrapped


def train_seeds(configs: Dict[str, str], root: Path, seeds: Sequence[int], jobs: int,
                val_interval: int, options: Sequence[str],
                keys: Sequence[str] = (AP_KEY, IS_KEY)) -> Dict[str, List[Dict]]:
    """Trains every (config, seed), ``jobs`` at a time, into ``root/<name>/seed<s>``;
    returns per name the seeds' results (``seed`` and the curves of ``keys``; the
    instability hook runs if ``IS_KEY`` is one of them)."""
    runs = {root / name / f'seed{seed}': (name, seed) for seed in seeds for name in configs}

    def record(run_dir: Path) -> None:
        result = dict(seed=runs[run_dir][1],
                      curves=curves_of(run_dir / 'train', keys))
        (run_dir / 'result.json').write_text(json.dumps(result))

    train_side_by_side([(run_dir, functools.partial(wrapped_config, configs[name], run_dir,
                                                    seed, val_interval, IS_KEY in keys))
                        for run_dir, (name, seed) in runs.items()
                        if not (run_dir / 'result.json').is_file()], jobs, options, record)
    return {name: [json.loads((root / name / f'seed{seed}' / 'result.json').read_text())
                   for seed in seeds] for name in configs}


def anchor_distance(run_dir: Path, options: Sequence[str]) -> Dict[str, float]:
    """The anchor-target distance (§3.2, :func:`mmdn.analysis.mean_distances`) of the
    last checkpoint of the run in ``run_dir`` on its config's test set, kept in the run's
    ``result.json``."""
    saved = run_dir / 'result.json'
    result = json.loads(saved.read_text())
    if 'anchor_distance' not in result:
        from anchor_target_distance import matched_per_image
        config = next(run_dir.glob('*_seed*.py'))
        checkpoint = (run_dir / 'train' / 'last_checkpoint').read_text().strip()
        with contextlib.redirect_stdout(sys.stderr):  # loading logs; stdout is the report
            pairs = [(anchors, targets) for _, anchors, targets
                     in matched_per_image(merged_config(str(config), options), checkpoint)]
        result['anchor_distance'] = mean_distances(pairs)
        saved.write_text(json.dumps(result))
    return result['anchor_distance']


def distance_table(distances: Dict[str, List[Dict[str, float]]],
                   labels: Dict[str, str]) -> List[List[str]]:
    """Rows (config, box L1, centre L1), each the mean ± sd over the seeds (the value
    itself with one seed); the box column is '—' for point anchors."""
    rows = []
    for name in NAMES:
        cells = []
        for key in ('box', 'centre'):
            values = [d[key] for d in distances[name] if key in d]
            sd = statistics.stdev(values) if len(values) > 1 else 0.0
            cells.append(format_value(statistics.fmean(values), sd, len(values))
                         if values else '—')
        rows.append([labels[name], *cells])
    return rows


def band_of(results: List[Dict], key: str) -> Band:
    """``key``'s mean ± sd over the seeds' results, or an error naming the seed that has
    no such curve (a run recorded with another ``--metric``)."""
    for result in results:
        if key not in result['curves']:
            raise KeyError(f"seed {result['seed']}: no {key} curve in its result.json (it "
                           f"has {sorted(result['curves'])}); was it run with another "
                           '--metric?')
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
