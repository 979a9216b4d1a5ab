"""Convergence of a baseline / DN pair over seeds (the paper's claim: DN reaches the
baseline's result in about half the epochs): the seeded trainings, their mean ± sd
per epoch, the epoch DN reaches the baseline's final AP, the tables, and the
comparisons' summaries side by side."""
import contextlib
import functools
import json
import statistics
import sys
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from .anchor_distance import matched_per_image, mean_distances
from .runs import curves_of, custom_hooks, merged_config, train_side_by_side

AP_KEY = 'coco/bbox_mAP'


IS_KEY = 'matching_instability'


NAMES = ('baseline', 'dn')


Curve = List[Tuple[int, float]]


#: (epoch, mean, standard deviation) rows of a curve over the seeds.
Band = List[Tuple[int, float, float]]


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
    ``val_interval`` epochs, :func:`custom_hooks` with (``instability``) the instability
    hook, and a checkpoint every epoch, the last one kept (a stopped run loses at most an
    epoch's training; what a run learns does not change)."""
    from mmengine.config import Config
    hooks = custom_hooks(Config.fromfile(config),
                         *(['MatchingInstabilityHook'] if instability else []))
    run_dir.mkdir(parents=True, exist_ok=True)
    wrapped = run_dir / f'{Path(config).stem}_seed{seed}.py'
    wrapped.write_text(f"_base_ = '{Path(config).resolve()}'\n"
                       f'custom_hooks = {hooks!r}\n'
                       f'randomness = dict(seed={seed})\n'
                       f'train_cfg = dict(val_interval={val_interval})\n'
                       'default_hooks = dict(checkpoint=dict(interval=1, max_keep_ckpts=1))\n')
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


def pair_row(name: str, baseline: Dict, dn: Dict) -> List[str]:
    """A table row: epochs, both final mAPs, their difference and the first epoch at
    which DN reaches the baseline's final mAP ('not reached' if it never does)."""
    base_curve, dn_curve = baseline['curves'][AP_KEY], dn['curves'][AP_KEY]
    base_final, dn_final = base_curve[-1][1], dn_curve[-1][1]
    reached = first_epoch_reaching(dn_curve, base_final)
    epochs = dn['epochs']
    return [name, str(epochs), f'{base_final:.3f}', f'{dn_final:.3f}',
            f'{dn_final - base_final:+.3f}',
            f'{reached} of {epochs}' if reached is not None else 'not reached']


LABELS = dict(baseline='baseline', dn='DN')


HEADER = ['comparison', 'seeds', 'epochs', 'baseline AP', 'DN AP', 'DN − baseline',
          "first epoch DN ≥ baseline's final", 'IS at the end, baseline / DN']


def read_summary(work_dir: Path) -> Dict:
    """``work_dir/summary.json``, with an error naming the file if it is not there."""
    path = work_dir / 'summary.json'
    if not path.is_file():
        raise FileNotFoundError(f'{path} not found: run compare_convergence.py with '
                                f'--work-dir {work_dir} first')
    return json.loads(path.read_text())


def metric_of(summary: Dict) -> str:
    """The validation key a comparison compared (bbox mAP unless ``--metric``)."""
    return summary.get('metric', AP_KEY)


def summary_row(title: str, summary: Dict) -> List[str]:
    """One comparison's row of :data:`HEADER` (values of the last evaluated epoch; the
    metric follows the title unless it is bbox mAP; IS '—' if not measured)."""
    seeds = len(summary['seeds'])
    metric = metric_of(summary)
    ap = summary[metric]
    (epoch, base, base_sd), (_, dn, dn_sd) = (ap[name][-1] for name in NAMES)
    reached = ap['dn_reaches_baseline_final']
    instability = summary.get(IS_KEY)
    return [title if metric == AP_KEY else f'{title} ({metric})',
            ', '.join(map(str, summary['seeds'])), str(epoch),
            format_value(base, base_sd, seeds), format_value(dn, dn_sd, seeds),
            f'{dn - base:+.3f}', f'{reached} of {epoch}' if reached else 'never',
            ' / '.join(f'{instability[name][-1][1]:.2f}' for name in NAMES)
            if instability else '—']


def panels_of(summaries: Dict[str, Dict], keys: Dict[str, str]) -> Dict[str, Dict]:
    """Per comparison that has its key (``keys[title]``): both configs' bands of it."""
    return {title: {LABELS[name]: s[keys[title]][name] for name in NAMES}
            for title, s in summaries.items() if keys[title] in s}
