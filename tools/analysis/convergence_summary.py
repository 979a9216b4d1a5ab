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
from pathlib import Path
from typing import Sequence

from mmdn.analysis import markdown_table
from mmdn.analysis.convergence import (
    HEADER,
    IS_KEY,
    metric_of,
    panels_of,
    read_summary,
    summary_row,
)
from mmdn.analysis.curves import plot_panels


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('work_dirs', nargs='+', help='compare_convergence.py work dirs')
    parser.add_argument('--titles', nargs='+', help='one per work dir (default: its name)')
    parser.add_argument('--out-dir', default='.', help='where the PNGs go')
    parser.add_argument('--columns', type=int, default=2, help='panels a row')
    return parser.parse_args()


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
