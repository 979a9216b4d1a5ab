"""Plots per-epoch curves of several training runs (the paper's Figs. 1, 3 and 7).

Reads each run's ``vis_data/scalars.json`` (MMEngine's LocalVisBackend; a work dir, whose
timestamped runs, a training and its resumptions, are read in order, or one run dir) and
takes the lines that carry the key, with their epoch as x: ``coco/bbox_mAP`` (validation,
AP vs epoch) or ``matching_instability`` (written by ``MatchingInstabilityHook``, IS vs
epoch). One PNG per key, one line per run.

Example::

    python tools/analysis/plot_curves.py work_dirs/dab work_dirs/dn \\
        --labels DAB-DETR DN-DAB-DETR --keys coco/bbox_mAP matching_instability \\
        --out-dir curves
"""
import argparse
import json
import math
from pathlib import Path
from typing import Any, Dict, List, Sequence, Tuple

import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('runs', nargs='+', help='work dirs or run dirs')
    parser.add_argument('--labels', nargs='+', help='one legend label per run')
    parser.add_argument('--keys', nargs='+', default=['coco/bbox_mAP'])
    parser.add_argument('--out-dir', default='.', help='where the PNGs go')
    return parser.parse_args()


def all_scalars(run: Path) -> List[Path]:
    """Every ``vis_data/scalars.json`` of a run dir, or of a work dir's timestamped runs
    (a training and its resumptions), oldest first."""
    candidates = sorted(run.glob('vis_data/scalars.json')) or \
        sorted(run.glob('*/vis_data/scalars.json'))
    if not candidates:
        raise FileNotFoundError(f'{run}: no vis_data/scalars.json (is it a work dir of '
                                'tools/train.py?)')
    return candidates


def find_scalars(run: Path) -> Path:
    """The newest ``vis_data/scalars.json`` under a work dir or run dir."""
    return all_scalars(run)[-1]


def read_records(scalars: Path) -> List[Dict[str, Any]]:
    """The records of ``scalars``, one JSON object a line; a bad line is named."""
    records = []
    for number, line in enumerate(scalars.read_text().splitlines(), 1):
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError as error:
            raise ValueError(f'{scalars}, line {number}: not JSON ({error})') from None
    return records


def read_curve(scalars: Sequence[Path], key: str) -> List[Tuple[int, float]]:
    """(epoch, value) of every line that has ``key`` in ``scalars``, a training's files
    oldest first (an epoch logged again after a resume takes its later value).

    Validation and hook lines carry the epoch as ``step``; training lines carry an
    ``epoch`` and are skipped (they are per-iteration).
    """
    points: Dict[int, float] = {}
    for path in scalars:
        for record in read_records(path):
            if key in record and 'epoch' not in record:
                points[int(record['step'])] = float(record[key])
    return sorted(points.items())


def _draw(ax, curves: Dict[str, List[Tuple[int, float]]], key: str) -> None:
    """One line per run on ``ax``, value of ``key`` against the epoch."""
    for label, points in curves.items():
        if points:
            ax.plot(*zip(*points), marker='o', label=label)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # epochs are whole
    ax.set_xlabel('epoch')
    ax.set_ylabel(key)
    ax.grid(alpha=0.3)
    ax.legend(fontsize='small')


def plot(curves: Dict[str, List[Tuple[int, float]]], key: str, out: Path) -> None:
    """One line per run, value of ``key`` against the epoch."""
    fig, ax = plt.subplots(figsize=(5, 3.5), dpi=120)
    _draw(ax, curves, key)
    fig.tight_layout()
    fig.savefig(out)
    plt.close(fig)


def _draw_bands(ax, bands: Dict[str, List[Tuple[int, float, float]]], key: str) -> None:
    """One line per config on ``ax``, the mean of ``key`` against the epoch, in a band of
    ±1 standard deviation; ``bands`` maps a label to (epoch, mean, sd) rows."""
    _draw(ax, {label: [(e, m) for e, m, _ in rows] for label, rows in bands.items()}, key)
    for line, rows in zip(ax.get_lines(), (r for r in bands.values() if r)):
        epochs, means, sds = zip(*rows)
        ax.fill_between(epochs, [m - s for m, s in zip(means, sds)],
                        [m + s for m, s in zip(means, sds)], color=line.get_color(),
                        alpha=0.2, linewidth=0)


def plot_bands(bands: Dict[str, List[Tuple[int, float, float]]], key: str,
               out: Path) -> None:
    """One line per config, the mean of ``key`` over seeds against the epoch, in a band
    of ±1 standard deviation; ``bands`` maps a label to (epoch, mean, sd) rows."""
    fig, ax = plt.subplots(figsize=(5, 3.5), dpi=120)
    _draw_bands(ax, bands, key)
    fig.tight_layout()
    fig.savefig(out)
    plt.close(fig)


def plot_panels(panels: Dict[str, Dict[str, List[Tuple]]], key: str, out: Path,
                columns: int = 3, bands: bool = False) -> None:
    """One subplot per panel, titled with its name, laid out ``columns`` a row; in each,
    one line per run (as :func:`plot`), or with ``bands`` one mean line with its ±1 sd
    band per config (as :func:`plot_bands`; rows are then (epoch, mean, sd))."""
    rows = math.ceil(len(panels) / columns)
    fig, axes = plt.subplots(rows, columns, figsize=(4.5 * columns, 3.2 * rows), dpi=100,
                             squeeze=False)
    for ax, (title, curves) in zip(axes.flat, panels.items()):
        (_draw_bands if bands else _draw)(ax, curves, key)
        ax.set_title(title)
    for ax in axes.flat[len(panels):]:
        ax.axis('off')
    fig.tight_layout()
    fig.savefig(out)
    plt.close(fig)


def main() -> None:
    args = parse_args()
    runs = [Path(r) for r in args.runs]
    labels = args.labels or [r.name for r in runs]
    if len(labels) != len(runs):
        raise SystemExit(f'{len(runs)} runs but {len(labels)} labels')
    scalars = [all_scalars(r) for r in runs]
    out_dir = Path(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for key in args.keys:
        curves = {label: read_curve(s, key) for label, s in zip(labels, scalars)}
        out = out_dir / f"{key.replace('/', '_')}.png"
        plot(curves, key, out)
        print(f'{out}:')
        for label, points in curves.items():
            print(f'  {label}: ' + ', '.join(f'{e}: {v:.4f}' for e, v in points))


if __name__ == '__main__':
    main()
