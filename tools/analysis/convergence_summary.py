"""Puts several ``compare_convergence.py`` results side by side: the toy Table 3 on seeds.

Reads each work dir's ``summary.json`` and prints one row per comparison: the seeds, the
last evaluated epoch, both final bbox APs (mean ± sd over the seeds), DN's lead, the first
epoch at which DN's mean reaches the baseline's final mean, and the last epoch's matching
instability of both. Draws every comparison's AP (and IS) curves with their ±1 sd bands
as panels of one figure.

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


def summary_row(title: str, summary: Dict) -> List[str]:
    """One comparison's row of :data:`HEADER` (values of the last evaluated epoch)."""
    seeds = len(summary['seeds'])
    ap, instability = summary[AP_KEY], summary[IS_KEY]
    (epoch, base, base_sd), (_, dn, dn_sd) = (ap[name][-1] for name in NAMES)
    reached = ap['dn_reaches_baseline_final']
    return [title, ', '.join(map(str, summary['seeds'])), str(epoch),
            format_value(base, base_sd, seeds), format_value(dn, dn_sd, seeds),
            f'{dn - base:+.3f}', f'{reached} of {epoch}' if reached else 'never',
            ' / '.join(f'{instability[name][-1][1]:.2f}' for name in NAMES)]


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
    for key in (AP_KEY, IS_KEY):
        panels = {title: {LABELS[name]: s[key][name] for name in NAMES}
                  for title, s in summaries.items()}
        out = out_dir / f"{key.replace('/', '_')}_panels.png"
        plot_panels(panels, key, out, columns=args.columns, bands=True)
        print(out)


if __name__ == '__main__':
    main()
