"""Shared fixtures: a pretrained-weights cache of stand-ins, a small demo dataset and
config overrides that point at it; the runners of the repo's tools."""
import contextlib
import io
import os
import random
import runpy
import subprocess
import sys
import traceback
import warnings
from pathlib import Path
from typing import Dict, List, Optional

import numpy as np
import pytest
import torch
from mmengine.utils import ManagerMixin

from mmdet.utils import register_all_modules
from mmdn.datasets.demo_shapes import make_demo_dataset
from .pretrained import DEPTHS, write_standin

register_all_modules(init_default_scope=True)

if int(os.environ.get('PYTEST_XDIST_WORKER_COUNT', '1')) > 1:
    # pytest-xdist's workers share the cores: one thread each (and in the tools they
    # start), as more threads than cores make PyTorch's OpenMP loops wait on each other.
    os.environ['OMP_NUM_THREADS'] = '1'
    torch.set_num_threads(1)

REPO = Path(__file__).resolve().parents[1]
DEMO_CONFIG = REPO / 'configs' / 'demo' / 'dab_detr_r18_demo.py'


@pytest.fixture(scope='session', autouse=True)
def pretrained_cache(tmp_path_factory) -> Dict[str, Path]:
    """``$TORCH_HOME`` for the whole session (the tools the tests start inherit it): a
    temporary cache holding stand-ins of torchvision's ResNet files, so that every
    config loads its ``torchvision://`` weights as written and nothing is downloaded."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv('TORCH_HOME', str(tmp_path_factory.mktemp('torch_home')))
        yield {name: write_standin(name) for name in DEPTHS}


@pytest.fixture(scope='session')
def demo_data(tmp_path_factory) -> Path:
    """A demo dataset of 16 train and 8 val images."""
    root = tmp_path_factory.mktemp('demo')
    make_demo_dataset(str(root), seed=3, num_train=16, num_val=8)
    return root


def data_options(root: Path, batch_size: int = 2, num_train: int = 4) -> List[str]:
    """--cfg-options that train on ``num_train`` images of ``root`` and test on its val."""
    return [
        f'train_dataloader.dataset.data_root={root}/',
        f'train_dataloader.dataset.indices={num_train}',
        f'train_dataloader.batch_size={batch_size}',
        'train_dataloader.num_workers=0', 'train_dataloader.persistent_workers=False',
        f'val_dataloader.dataset.data_root={root}/',
        f'test_dataloader.dataset.data_root={root}/',
        'val_dataloader.num_workers=0', 'val_dataloader.persistent_workers=False',
        'test_dataloader.num_workers=0', 'test_dataloader.persistent_workers=False',
        f'val_evaluator.ann_file={root}/annotations/val.json',
        f'test_evaluator.ann_file={root}/annotations/val.json',
        'default_hooks.logger.interval=1',
    ]


def run_tool(args: List[str], timeout: int = 600, env: Optional[Dict[str, str]] = None,
             cwd: Path = REPO) -> subprocess.CompletedProcess:
    """Runs a command (from the repo root unless ``cwd``) with this interpreter; output
    captured."""
    cmd = [sys.executable] + args if args[0].endswith('.py') else args
    env = dict(os.environ, **(env or {}))
    # The shell launchers find python on PATH: the interpreter running the tests.
    env['PATH'] = f'{Path(sys.executable).parent}{os.pathsep}{env["PATH"]}'
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          env=env)


def _manager_classes(cls: type = ManagerMixin) -> List[type]:
    """MMEngine's classes of named global instances (loggers, message hubs, scopes,
    visualizers), the class and its subclasses."""
    return [cls] + [sub for child in cls.__subclasses__() for sub in _manager_classes(child)]


@contextlib.contextmanager
def process_state():
    """Restores what a tool run changes in the process: argv, ``sys.path``, the working
    directory and the environment; MMEngine's named instances (a runner makes a logger,
    message hub, scope and visualizer named after its config and the second it started;
    the ones it made are dropped and their log files closed); the random generators,
    PyTorch's threads and deterministic mode."""
    argv, path, cwd, environ = sys.argv, list(sys.path), os.getcwd(), dict(os.environ)
    instances = {cls: dict(cls._instance_dict) for cls in _manager_classes()}
    rng = random.getstate(), np.random.get_state(), torch.get_rng_state()
    threads = torch.get_num_threads()
    deterministic = torch.are_deterministic_algorithms_enabled()
    try:
        yield
    finally:
        sys.argv, sys.path[:] = argv, path
        os.chdir(cwd)
        os.environ.clear()
        os.environ.update(environ)
        for cls, before in instances.items():
            for name in set(cls._instance_dict) - set(before):
                for handler in getattr(cls._instance_dict[name], 'handlers', []):
                    handler.close()
            cls._instance_dict.clear()
            cls._instance_dict.update(before)
        random.setstate(rng[0])
        np.random.set_state(rng[1])
        torch.set_rng_state(rng[2])
        torch.set_num_threads(threads)
        torch.use_deterministic_algorithms(deterministic)


def run_script(args: List[str], env: Optional[Dict[str, str]] = None,
               cwd: Path = REPO) -> subprocess.CompletedProcess:
    """Runs a Python tool as ``python TOOL ARGS`` runs it (as ``__main__``, with its argv,
    environment additions and working directory), in this process; output captured.

    The exit status and messages of :func:`run_tool` without a new interpreter's
    start-up (several seconds of imports each): for refusals at a tool's input checks and
    for single-process runs (``tools/train.py``, ``tools/test.py``, ...); MMEngine's
    global instances, the random state and PyTorch's thread settings are restored
    afterwards. A ``sys.exit(message)`` is printed to stderr and exits 1, as the
    interpreter does; an uncaught exception prints its traceback and exits 1; warnings
    go to stderr, not to pytest's summary.
    """
    script = REPO / args[0]
    out, err = io.StringIO(), io.StringIO()
    code = 0
    with process_state():
        os.environ.update(env or {})
        sys.argv = [str(script), *map(str, args[1:])]
        sys.path.insert(0, str(script.parent))
        os.chdir(cwd)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), \
                warnings.catch_warnings(record=True) as caught:
            try:
                runpy.run_path(str(script), run_name='__main__')
            except SystemExit as exit_:
                if isinstance(exit_.code, str):
                    print(exit_.code, file=sys.stderr)
                    code = 1
                else:
                    code = exit_.code or 0
            except Exception:  # noqa: BLE001 -- as the interpreter: traceback, status 1
                traceback.print_exc()
                code = 1
            for w in caught:  # on stderr, as the interpreter prints them
                print(warnings.formatwarning(w.message, w.category, w.filename, w.lineno,
                                             w.line), end='', file=sys.stderr)
    return subprocess.CompletedProcess(args, code, out.getvalue(), err.getvalue())


def pytest_collection_modifyitems(items: List[pytest.Item]) -> None:
    """Runs the tool tests (whole training runs, the longest) first, so that
    pytest-xdist's workers end together on the short ones."""
    items.sort(key=lambda item: '/test_tools/' not in item.nodeid.replace('::', '/'))
