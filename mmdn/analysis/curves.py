"""Training curves: the scalars MMEngine logs (``vis_data/scalars.json``) read back,
per epoch or per iteration, and plotted (one plotter for every analysis tool;
matplotlib's Agg backend is selected on import)."""
import json
import math
import statistics
from collections import defaultdict
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

#: (x, value) points: x an epoch or an iteration.
Curve = List[Tuple[float, float]]


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



def _is_train(record: Dict[str, Any]) -> bool:
    return 'iter' in record and 'epoch' in record


def logged_curve(records: List[Dict[str, Any]], key: str, by: str, source: Path) -> Curve:
    """(x, value) of ``key``: per iteration, or per epoch (training scalars averaged)."""
    train = [r for r in records if _is_train(r) and key in r]
    if train:
        if by == 'iter':
            return [(r['step'], float(r[key])) for r in train]
        per_epoch = defaultdict(list)
        for r in train:
            per_epoch[r['epoch']].append(float(r[key]))
        return [(epoch, statistics.fmean(v)) for epoch, v in sorted(per_epoch.items())]
    points = [(r['step'], float(r[key])) for r in records if not _is_train(r) and key in r]
    if not points:
        known = sorted({k for r in records for k in r} - {'step', 'epoch', 'iter'})
        raise ValueError(f'{source}: no scalar {key!r}; logged: {", ".join(known)}')
    if by == 'iter':
        raise ValueError(f'{key!r} is logged once an epoch (validation or a hook): use '
                         '--by epoch')
    return points


def train_time(records: List[Dict[str, Any]], skip_first: int) -> Dict[str, Any]:
    """Mean seconds per iteration over the run and per epoch (the first ``skip_first``
    iterations left out)."""
    train = [r for r in records if _is_train(r) and 'time' in r][skip_first:]
    if not train:
        raise ValueError('no training iteration logged after the skipped ones')
    per_epoch = defaultdict(list)
    for r in train:
        per_epoch[r['epoch']].append(float(r['time']))
    means = {epoch: statistics.fmean(v) for epoch, v in sorted(per_epoch.items())}
    return dict(iterations=len(train), mean=statistics.fmean(float(r['time']) for r in train),
                per_epoch=means,
                std_over_epochs=statistics.pstdev(means.values()) if len(means) > 1 else 0.)


def _draw(ax, curves: Dict[str, Curve], key: str, xlabel: str = 'epoch') -> None:
    """One line per run on ``ax``, value of ``key`` against ``xlabel`` (markers on
    curves of fewer than 30 points)."""
    for label, points in curves.items():
        if points:
            ax.plot(*zip(*points), marker='o' if len(points) < 30 else None, label=label)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # epochs and iterations are whole
    ax.set_xlabel(xlabel)
    ax.set_ylabel(key)
    ax.grid(alpha=0.3)
    ax.legend(fontsize='small')


def _draw_bands(ax, bands: Dict[str, List[Tuple[int, float, float]]], key: str,
                xlabel: str = 'epoch') -> None:
    """One line per config on ``ax``, the mean of ``key`` against the epoch, in a band of
    ±1 standard deviation; ``bands`` maps a label to (epoch, mean, sd) rows."""
    _draw(ax, {label: [(e, m) for e, m, _ in rows] for label, rows in bands.items()}, key,
          xlabel)
    for line, rows in zip(ax.get_lines(), (r for r in bands.values() if r)):
        epochs, means, sds = zip(*rows)
        ax.fill_between(epochs, [m - s for m, s in zip(means, sds)],
                        [m + s for m, s in zip(means, sds)], color=line.get_color(),
                        alpha=0.2, linewidth=0)


def plot_panels(panels: Dict[str, Dict[str, List[Tuple]]], key: Optional[str], out: Path,
                columns: int = 3, bands: bool = False, xlabel: str = 'epoch',
                size: Tuple[float, float] = (4.5, 3.2)) -> None:
    """The plotter: one subplot per panel, laid out ``columns`` a row, each ``size``
    inches; in each, one line per run ((x, value) rows), or with ``bands`` one mean
    line with its ±1 sd band per config ((epoch, mean, sd) rows). ``key`` labels every
    y axis and each panel is titled with its name; with ``key`` None each panel's name
    labels its y axis instead (one panel per logged scalar)."""
    rows = math.ceil(len(panels) / columns)
    fig, axes = plt.subplots(rows, columns, figsize=(size[0] * columns, size[1] * rows),
                             dpi=120 if len(panels) == 1 else 100, squeeze=False)
    for ax, (title, curves) in zip(axes.flat, panels.items()):
        (_draw_bands if bands else _draw)(ax, curves, key or title, xlabel)
        if key is not None and len(panels) > 1:
            ax.set_title(title)
    for ax in axes.flat[len(panels):]:
        ax.axis('off')
    fig.tight_layout()
    fig.savefig(out)
    plt.close(fig)


def plot(curves: Dict[str, Curve], key: str, out: Path) -> None:
    """One line per run, value of ``key`` against the epoch (:func:`plot_panels`)."""
    plot_panels({key: curves}, key, out, columns=1, size=(5, 3.5))


def plot_bands(bands: Dict[str, List[Tuple[int, float, float]]], key: str,
               out: Path) -> None:
    """One line per config, the mean of ``key`` over seeds against the epoch, in a band
    of ±1 standard deviation; ``bands`` maps a label to (epoch, mean, sd) rows
    (:func:`plot_panels`)."""
    plot_panels({key: bands}, key, out, columns=1, bands=True, size=(5, 3.5))
