"""Trainings for the analysis tools: ``tools/train.py`` runs in their own processes,
side by side, stopped runs resumed, on a budget of training time (a timed run gives
the epochs; the schedule is scaled to them), with their curves recorded."""
import argparse
import functools
import json
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Callable, Dict, List, Sequence, Tuple

from .curves import all_scalars, find_scalars, read_curve

#: The repository whose tools/train.py trains the runs.
REPO = Path(__file__).resolve().parents[2]


AP_KEYS = ('coco/bbox_mAP', 'coco/bbox_mAP_50')


def epochs_in_budget(seconds_per_iter: float, iters_per_epoch: int, minutes: float) -> int:
    """Whole epochs that fit in ``minutes`` of training at this speed (at least one)."""
    if seconds_per_iter <= 0 or iters_per_epoch < 1 or minutes <= 0:
        raise ValueError(f'bad budget: {seconds_per_iter} s/iter, {iters_per_epoch} '
                         f'iterations an epoch, {minutes} minutes')
    return max(1, math.floor(minutes * 60 / (seconds_per_iter * iters_per_epoch)))


def scaled_schedule(param_scheduler: Sequence[Dict], max_epochs: int,
                    epochs: int) -> List[Dict]:
    """The config's epoch-based ``param_scheduler`` stretched from ``max_epochs`` to
    ``epochs``: ``begin``, ``end`` and ``milestones`` scaled and rounded (a milestone
    stays inside the run)."""
    scaled = []
    for scheduler in param_scheduler:
        if not scheduler.get('by_epoch', True):
            raise ValueError(f'{scheduler["type"]} is iteration-based; only epoch-based '
                             'schedules can be scaled to a budget')
        scheduler = dict(scheduler)
        for key in ('begin', 'end'):
            if key in scheduler:
                scheduler[key] = round(scheduler[key] * epochs / max_epochs)
        if 'milestones' in scheduler:
            scheduler['milestones'] = sorted({min(epochs, max(1, round(m * epochs / max_epochs)))
                                              for m in scheduler['milestones']})
        scaled.append(scheduler)
    return scaled


def run_train(config: Path, work_dir: Path, options: Sequence[str],
              threads: int = 0, resume: bool = False) -> subprocess.Popen:
    """tools/train.py on ``config`` in its own process (``threads`` > 0 sets its
    OpenMP / MKL thread count; ``resume`` continues from the last checkpoint in
    ``work_dir``)."""
    work_dir.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    if threads:
        env.update(OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
    cmd = [sys.executable, str(REPO / 'tools' / 'train.py'), str(config), '--work-dir',
           str(work_dir)] + (['--resume'] if resume else []) + \
        (['--cfg-options', *options] if options else [])
    # the child keeps its own copy; a resumed training's output follows the first part's
    with open(work_dir / 'train_stdout.log', 'a' if resume else 'w') as log:
        return subprocess.Popen(cmd, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)


def wait(proc: subprocess.Popen, work_dir: Path) -> None:
    """Waits for a training; a failed one is an error naming its log."""
    if proc.wait() != 0:
        raise RuntimeError(f'training in {work_dir} failed (exit {proc.returncode}); see '
                           f'{work_dir / "train_stdout.log"}')


def merged_config(config: str, options: Sequence[str]):
    """``config`` with the ``--cfg-options`` strings applied, as tools/train.py does."""
    from mmengine.config import Config, DictAction
    cfg = Config.fromfile(config)
    parsed = argparse.Namespace()
    DictAction(option_strings=[], dest='options')(None, parsed, list(options))
    cfg.merge_from_dict(parsed.options or {})
    return cfg


def iters_per_epoch(config: str, options: Sequence[str]) -> int:
    """Train iterations an epoch: the config's training images (after its filters) over
    its batch size."""
    from mmengine.utils import import_modules_from_strings

    from mmdet.registry import DATASETS
    from mmdet.utils import register_all_modules
    register_all_modules()
    cfg = merged_config(config, options)
    import_modules_from_strings(**cfg.get('custom_imports', {}))  # as the runner does
    loader = cfg.train_dataloader
    return math.ceil(len(DATASETS.build(loader.dataset)) / loader.batch_size)


def seconds_per_iter(config: str, work_dir: Path, iters: int, epoch_iters: int,
                     options: Sequence[str]) -> float:
    """Seconds a train iteration of ``config`` on its data (``epoch_iters`` an epoch):
    at least ``iters`` iterations alone on the machine, each one logged, the mean of
    MMEngine's ``time`` (data, forward, backward and update) after the first 10. The run
    takes the first ``iters`` batches of images (``options`` that choose the images win),
    so its epochs are ``min(iters, epoch_iters)`` iterations, repeated when there are
    fewer than ``iters``."""
    if iters < 20:
        raise ValueError(f'--timing-iters must be >= 20 (10 warm-up), got {iters}')
    batch_size = merged_config(config, options).train_dataloader.batch_size
    timing = [f'train_dataloader.dataset.indices={iters * batch_size}', *options]
    proc = run_train(Path(config).resolve(), work_dir, [
        *timing, f'train_cfg.max_epochs={math.ceil(iters / min(iters, epoch_iters))}',
        'train_cfg.val_interval=1000', 'default_hooks.checkpoint.save_last=False',
        'default_hooks.checkpoint.interval=1000', 'default_hooks.logger.interval=1',
        'log_processor.window_size=1'])
    wait(proc, work_dir)
    lines = find_scalars(work_dir).read_text().splitlines()
    times = [json.loads(line)['time'] for line in lines if '"time"' in line][10:iters]
    return sum(times) / len(times)


def custom_hooks(cfg, *extra: str) -> List[Dict]:
    """The config's ``custom_hooks``, then ``ValidateResumedEpochHook`` (a resumed run
    makes the evaluation its stop may have cut) and the ``extra`` hook types."""
    return cfg.to_dict().get('custom_hooks', []) + [
        dict(type=hook) for hook in ('ValidateResumedEpochHook', *extra)]


def budget_config(config: str, work_dir: Path, epochs: int, seed: int) -> Path:
    """A config file in ``work_dir`` inheriting ``config``: ``epochs`` epochs, the
    schedule scaled to them, validation every epoch, one checkpoint at the end, and
    :func:`custom_hooks`."""
    from mmengine.config import Config
    cfg = Config.fromfile(config)
    schedule = scaled_schedule(cfg.param_scheduler, cfg.train_cfg.max_epochs, epochs)
    work_dir.mkdir(parents=True, exist_ok=True)
    wrapped = work_dir / f'{Path(config).stem}_{epochs}e.py'
    wrapped.write_text(f"_base_ = '{Path(config).resolve()}'\n"
                       f'custom_hooks = {custom_hooks(cfg)!r}\n'
                       f'randomness = dict(seed={seed})\n'
                       f'train_cfg = dict(max_epochs={epochs}, val_interval=1)\n'
                       f'param_scheduler = {schedule!r}\n'
                       f'default_hooks = dict(checkpoint=dict(interval={epochs}))\n')
    return wrapped


def curves_of(work_dir: Path,
              keys: Sequence[str] = AP_KEYS) -> Dict[str, List[Tuple[int, float]]]:
    """Each of ``keys`` against the epoch, from a finished run (with its resumptions)."""
    scalars = all_scalars(work_dir)
    return {key: read_curve(scalars, key) for key in keys}


def budget_of(config: str, work_dir: Path, minutes: float, timing_iters: int,
              options: Sequence[str]) -> Dict:
    """``config``'s speed and the epochs it gets in ``minutes`` (kept in
    ``work_dir/budget.json``, so that a continued run does not time it again)."""
    saved = work_dir / 'budget.json'
    if saved.is_file():
        return json.loads(saved.read_text())
    epoch_iters = iters_per_epoch(config, options)
    s_iter = seconds_per_iter(config, work_dir / 'timing', timing_iters, epoch_iters, options)
    info = dict(seconds_per_iter=s_iter, iters_per_epoch=epoch_iters, minutes=minutes,
                epochs=epochs_in_budget(s_iter, epoch_iters, minutes))
    print(f"{config}: {s_iter:.3f} s an iteration, {epoch_iters} an epoch -> "
          f"{info['epochs']} epochs in {minutes:g} minutes", flush=True)
    saved.write_text(json.dumps(info))
    return info


def train_side_by_side(runs: Sequence[Tuple[Path, Callable[[], Path]]], jobs: int,
                       options: Sequence[str], on_done: Callable[[Path], None]) -> None:
    """Trains each ``(run_dir, write_config)`` into ``run_dir/train`` on the config that
    ``write_config()`` writes, ``jobs`` at a time (the cores split between them), and
    calls ``on_done(run_dir)`` as each training ends, in the order they started. A
    training stopped part way (its ``last_checkpoint`` there) resumes from it."""
    if jobs < 1:
        raise ValueError(f'--jobs must be >= 1, got {jobs}')
    pending = list(runs)
    threads = max(1, (os.cpu_count() or 1) // jobs) if jobs > 1 else 0
    running: List[Tuple[Path, subprocess.Popen]] = []
    while pending or running:
        while pending and len(running) < jobs:
            run_dir, write_config = pending.pop(0)
            resume = (run_dir / 'train' / 'last_checkpoint').is_file()
            running.append((run_dir, run_train(write_config(), run_dir / 'train', options,
                                               threads, resume)))
        run_dir, proc = running.pop(0)
        wait(proc, run_dir / 'train')
        on_done(run_dir)


def train_runs(runs: Sequence[Tuple[Path, str, Dict]], seed: int, jobs: int,
               options: Sequence[str]) -> Dict[Path, Dict]:
    """Trains each ``(run_dir, config, budget)`` for its budget's epochs, ``jobs`` at a
    time, and returns each run's ``result.json`` (budget, seed and AP curves); a run
    whose result is already there is not trained again."""
    results = {run_dir: json.loads((run_dir / 'result.json').read_text())
               for run_dir, _, _ in runs if (run_dir / 'result.json').is_file()}
    budgets = {run_dir: budget for run_dir, _, budget in runs}

    def record(run_dir: Path) -> None:
        results[run_dir] = dict(budgets[run_dir], seed=seed,
                                curves=curves_of(run_dir / 'train'))
        (run_dir / 'result.json').write_text(json.dumps(results[run_dir]))

    train_side_by_side([(run_dir, functools.partial(budget_config, config, run_dir,
                                                    budget['epochs'], seed))
                        for run_dir, config, budget in runs if run_dir not in results],
                       jobs, options, record)
    return results
