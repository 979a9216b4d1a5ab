"""Puts several ``compare_convergence.py`` results side by side: the toy Table 3 on seeds.

Reads each work dir's ``summary.json`` and prints one row per comparison: the seeds, the
last evaluated epoch, both final APs (bbox, or the ``--metric`` compared; mean ± sd over
the seeds), DN's lead, the first epoch at which DN's mean reaches the baseline's final
mean, and the last epoch's matching instability of both (if measured). Draws every
comparison's AP curves, and IS curves, with their ±1 sd bands as panels of one figure each
(``ap_panels.png``, ``instability_panels.png``).

Example (two pairs on two looks of the demo set)::

    python tools/analysis/convergence_summary.py conv_demo conv_demo_outlined conv_dab \\
        conv_dab_outlined --titles 'DAB-Def-DETR++, demo' 'DAB-Def-DETR++, outlined' \\
        'DAB-DETR, demo' 'DAB-DETR, outlined' --out-dir toy_table3 --columns 2
"""
import argparse
import json
import sys
from pathlib import Path
from typing import Dict, List, Sequence

sys.path.insert(0, str(Path(__file__).resolve().parent))
from compare_convergence import AP_KEY, IS_KEY, NAMES, format_value  # noqa: E402
from plot_curves import plot_panels  # noqa: E402

from mmdn.analysis import markdown_table  # noqa: E402

LABELS = dict(baseline='baseline', dn='DN')
HEADER = ['comparison', 'seeds', 'epochs', 'baseline AP', 'DN AP', 'DN − baseline',
          "first epoch DN ≥ baseline's final", 'IS at the end, baseline / DN']


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('work_dirs', nargs='+', help='compare_convergence.py work dirs')
    parser.add_argument('--titles', nargs='+', help='one per work dir (default: its name)')
    parser.add_argument('--out-dir', default='.', help='where the PNGs go')
    parser.add_argument('--columns', type=int, default=2, help='panels a row')
    return parser.parse_args()


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


def main() -> None:
    args = parse_args()
    dirs = [Path(d) for d in args.work_dirs]
    titles: Sequence[str] = args.titles or [d.name for d in dirs]
    if len(titles) != len(dirs):
        raise SystemExit(f'{len(dirs)} work dirs but {len(titles)} titles')
    summaries = {title: read_summary(d) for title, d in zip(titles, dirs)}
    print(markdown_table(HEADER, [summary_row(t, s) for t, s in summaries.items()]))
    out_dir = Path(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    metrics = {title: metric_of(s) for title, s in summaries.items()}
    ap_label = metrics[titles[0]] if len(set(metrics.values())) == 1 else 'mAP'
    for name, keys, label in (('ap', metrics, ap_label),
                              ('instability', dict.fromkeys(summaries, IS_KEY), IS_KEY)):
        panels = panels_of(summaries, keys)
        if panels:
            out = out_dir / f'{name}_panels.png'
            plot_panels(panels, label, out, columns=args.columns, bands=True)
            print(out)


if __name__ == '__main__':
    main()
