"""Pretrained backbone weights named ``torchvision://NAME`` without torchvision.

MMEngine 0.10.7 resolves ``torchvision://resnet50`` (the ``init_cfg`` of every
ImageNet-pretrained backbone in ``configs/``) by importing torchvision, which this
project does not install: a torchvision built for another torch breaks MMEngine's
runner at import. Importing mmdn registers :func:`load_from_torchvision_cache` for the
``torchvision://`` and ``modelzoo://`` schemes instead. It resolves NAME in the URL
table MMEngine ships (``mmengine/hub/torchvision_0.12.json``, the same table MMEngine
reads when torchvision >= 0.13 is installed; a torchvision that imports adds its newer
weight names, e.g. ``resnet50.imagenet1k_v2``) and reads the file from torch's cache,
``$TORCH_HOME/hub/checkpoints`` (``~/.cache/torch/hub/checkpoints`` by default), where
``torch.hub`` and MMEngine put downloads: a file fetched once, or copied there by hand,
is the same file either way.

A file not in the cache is downloaded into it. Where that fails (a compute node without
internet) the error names the file and the folder it must be put in, and the command
that fetches it where the network is (``tools/misc/download_pretrained.py``).
``tools/train.py`` calls :func:`check_pretrained` before the runner writes anything, so
a missing, truncated or foreign file stops a run with an empty work dir.
"""
import os
import os.path as osp
from typing import Any, Dict, Iterator, List, Optional
from urllib.error import URLError
from urllib.parse import urlparse

import mmengine
import torch
from mmengine.runner import CheckpointLoader

from .checkpoint import CheckpointError, load_local_checkpoint

SCHEMES = ('torchvision://', 'modelzoo://')
FETCH_COMMAND = 'python tools/misc/download_pretrained.py CONFIG'


class PretrainedWeightsError(RuntimeError):
    """A pretrained model that is unknown, cannot be fetched, or whose file is unusable."""


def torchvision_urls() -> Dict[str, str]:
    """``{name: url}`` of the torchvision weights, without importing torchvision.

    MMEngine's table, extended by torchvision's own names when a torchvision imports.
    """
    urls = mmengine.load(osp.join(mmengine.__path__[0], 'hub', 'torchvision_0.12.json'))
    try:
        import torchvision  # noqa: F401
    except Exception:  # absent, or built for another torch
        return urls
    from mmengine.runner.checkpoint import get_torchvision_models
    return {**urls, **get_torchvision_models()}


def cache_dir() -> str:
    """Where pretrained files are read from and downloaded to:
    ``$TORCH_HOME/hub/checkpoints`` (torch.hub's and MMEngine's cache)."""
    return osp.join(torch.hub.get_dir(), 'checkpoints')


def model_name(uri: str) -> str:
    """``resnet50`` of ``torchvision://resnet50``."""
    for scheme in SCHEMES:
        if uri.startswith(scheme):
            return uri[len(scheme):]
    raise ValueError(f'{uri} is not a torchvision:// name')


def resolve(uri: str) -> Dict[str, str]:
    """The URL and cache path of ``torchvision://NAME``; fails naming an unknown NAME."""
    name = model_name(uri)
    urls = torchvision_urls()
    if name not in urls:
        known = ', '.join(sorted(k for k in urls if k.startswith(('resnet', 'resnext'))))
        raise PretrainedWeightsError(
            f'pretrained model {name!r} ({uri}) is not in the table of torchvision '
            f'weights; known ResNet names: {known}')
    url = urls[name]
    return dict(url=url, path=osp.join(cache_dir(), osp.basename(urlparse(url).path)))


def fetch(uri: str, progress: bool = False) -> str:
    """The cached file of ``torchvision://NAME``, downloaded first if it is not there.

    Concurrent processes may download the same file: torch writes a temporary file and
    renames it, so each reader sees a complete file or none.
    """
    where = resolve(uri)
    path = where['path']
    if osp.isfile(path):
        return path
    os.makedirs(osp.dirname(path), exist_ok=True)
    try:
        torch.hub.download_url_to_file(where['url'], path, progress=progress)
    except (URLError, OSError) as err:
        raise PretrainedWeightsError(
            f'pretrained weights {uri}: {osp.basename(path)} is not in {osp.dirname(path)} '
            f'and cannot be downloaded from {where["url"]} ({err}). Put the file in that '
            f'folder ($TORCH_HOME/hub/checkpoints): run `{FETCH_COMMAND}` where the '
            'network is and copy the folder it prints.') from err
    return path


def load_from_torchvision_cache(uri: str, map_location: Optional[Any] = None) -> dict:
    """The state dict of ``torchvision://NAME`` from the cache (MMEngine's loader for
    the scheme); fails naming the file when it is truncated or not a state dict."""
    path = fetch(uri)
    try:
        state = load_local_checkpoint(path, map_location=map_location)
    except CheckpointError as err:
        raise PretrainedWeightsError(f'pretrained weights {uri}: {err}; delete the file '
                                     'to download it again') from err
    if not isinstance(state, dict) or not state or not all(
            isinstance(v, torch.Tensor) for v in state.values()):
        raise PretrainedWeightsError(
            f'pretrained weights {uri}: {path} is not a state dict (a dict of tensors, as '
            f'torchvision publishes), it holds a {type(state).__name__}; delete it to '
            'download it again')
    return state


def _pretrained_nodes(node: Any) -> Iterator[dict]:
    if isinstance(node, dict):
        if node.get('type') == 'Pretrained':
            yield node
        for value in node.values():
            yield from _pretrained_nodes(value)
    elif isinstance(node, (list, tuple)):
        for value in node:
            yield from _pretrained_nodes(value)


def pretrained_uris(model_cfg: dict) -> List[str]:
    """The ``torchvision://`` checkpoints of every ``Pretrained`` init_cfg of a model config."""
    uris = [node.get('checkpoint', '') for node in _pretrained_nodes(model_cfg)]
    return sorted({uri for uri in uris if isinstance(uri, str) and uri.startswith(SCHEMES)})


def check_pretrained(cfg: mmengine.Config) -> List[str]:
    """Fetches and reads every ``torchvision://`` file of ``cfg.model``; returns the paths.

    Call it before anything is written: a failure names the model, the file and the
    folder (:class:`PretrainedWeightsError`).
    """
    paths = []
    for uri in pretrained_uris(cfg.model):
        load_from_torchvision_cache(uri, map_location='cpu')
        paths.append(resolve(uri)['path'])
    return paths


def register_pretrained_loading() -> None:
    """Makes MMEngine load ``torchvision://`` names with :func:`load_from_torchvision_cache`."""
    CheckpointLoader.register_scheme(prefixes=SCHEMES, loader=load_from_torchvision_cache,
                                     force=True)
