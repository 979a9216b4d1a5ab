"""Loading MMEngine checkpoints under torch >= 2.6 (``weights_only=True`` by default).

MMEngine 0.10.7 calls ``torch.load`` without ``weights_only``. Since torch 2.6 that
means the restricted unpickler, which rejects what MMEngine itself writes into a
checkpoint's ``meta`` and ``message_hub``: numpy scalars and arrays, ``HistoryBuffer``,
``collections.Counter`` (MultiStepLR's milestones) and ``getattr(HistoryBuffer, 'min')``
for the buffers' statistics methods. Rather than turning the restricted unpickler off,
:func:`allow_mmengine_checkpoint_types` allow-lists exactly those types, with a
``getattr`` that resolves only HistoryBuffer's statistics methods; and
:func:`load_local_checkpoint` replaces MMEngine's loader for local paths so that a
missing, truncated or foreign file stops with an error that names the path and what is
wrong with it.
"""
import collections
import os.path as osp
import pickle
import zipfile
from typing import Any, List, Optional

import numpy as np
import torch
from mmengine.logging import HistoryBuffer
from mmengine.runner import CheckpointLoader
from mmengine.utils import digit_version


def _numpy_types() -> List[Any]:
    """The numpy globals that pickled numpy scalars and arrays refer to (numpy 1 and 2)."""
    try:  # numpy >= 2
        from numpy._core import multiarray
    except ImportError:  # numpy 1
        from numpy.core import multiarray
    types = [np.ndarray, np.dtype, multiarray.scalar, multiarray._reconstruct]
    # A pickled dtype refers to its class (numpy >= 1.25: numpy.dtypes.Float64DType ...).
    types += sorted({type(np.dtype(t)) for t in np.sctypeDict.values()}, key=str)
    return types


def history_buffer_getattr(obj: Any, name: str) -> Any:
    """``getattr`` restricted to the statistics methods of ``HistoryBuffer``.

    A pickled ``HistoryBuffer`` refers to its statistics methods through
    ``getattr(HistoryBuffer, 'min')``; a general ``getattr`` would let a checkpoint reach
    any attribute of any allowed object, so nothing else resolves.
    """
    # The built-in methods, and any registered with HistoryBuffer.register_statistics.
    allowed = {'min', 'max', 'current', 'mean', *HistoryBuffer._statistics_methods}
    if obj is HistoryBuffer and name in allowed:
        return getattr(obj, name)
    raise pickle.UnpicklingError(
        f'refusing getattr({obj!r}, {name!r}) while loading a checkpoint with '
        'weights_only=True')


def allow_mmengine_checkpoint_types() -> None:
    """Lets ``torch.load(weights_only=True)`` read what MMEngine writes into checkpoints.

    Only needed from torch 2.6 on, where ``weights_only=True`` became the default.
    """
    if digit_version(torch.__version__) < digit_version('2.6.0'):
        return
    torch.serialization.add_safe_globals(
        _numpy_types() + [HistoryBuffer, collections.Counter,
                          (history_buffer_getattr, '__builtin__.getattr'),
                          (history_buffer_getattr, 'builtins.getattr')])


class CheckpointError(RuntimeError):
    """A checkpoint file that is missing, truncated or not a checkpoint."""


def check_checkpoint_file(filename: str) -> str:
    """Fails naming the file unless it exists and is a complete torch checkpoint archive
    (or a legacy pickle), without reading its tensors; returns the expanded path."""
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise CheckpointError(f'checkpoint {filename} does not exist')
    if osp.getsize(filename) == 0:
        raise CheckpointError(f'checkpoint {filename} is empty (0 bytes)')
    with open(filename, 'rb') as f:
        legacy = f.read(1) == b'\x80'  # a pickle stream: torch's pre-1.6 format
    if not legacy and not zipfile.is_zipfile(filename):
        raise CheckpointError(
            f'checkpoint {filename} cannot be read: it is truncated or not a torch '
            'checkpoint (no complete zip archive)')
    return filename


def load_local_checkpoint(filename: str, map_location: Optional[Any] = None) -> Any:
    """MMEngine's loader for local paths, with errors that name the file."""
    filename = check_checkpoint_file(filename)
    try:
        return torch.load(filename, map_location=map_location)
    except (RuntimeError, EOFError, zipfile.BadZipFile, pickle.UnpicklingError) as err:
        if isinstance(err, pickle.UnpicklingError) and 'Weights only load failed' in str(err):
            raise CheckpointError(
                f'checkpoint {filename} holds objects that are not allowed to be '
                f'unpickled with weights_only=True: {err}') from err
        raise CheckpointError(
            f'checkpoint {filename} cannot be read: it is truncated or not a torch '
            f'checkpoint ({type(err).__name__}: {err})') from err


def register_checkpoint_loading() -> None:
    """Installs the allow-list and the local-path loader (called on ``import mmdn``)."""
    allow_mmengine_checkpoint_types()
    CheckpointLoader.register_scheme(prefixes='', loader=load_local_checkpoint, force=True)
