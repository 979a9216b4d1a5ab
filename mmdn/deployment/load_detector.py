"""A detector built from its config and loaded from a checkpoint that must fit it."""
from typing import Optional, Sequence, Tuple

from mmengine.config import Config
from mmengine.registry import init_default_scope
from torch import nn

from mmdet.registry import DATASETS, MODELS
from ..engine.checkpoint import CheckpointError, load_local_checkpoint
from ..engine.input_checks import check_custom_imports


def config_classes(cfg: Config) -> Tuple[str, ...]:
    """The class names of the config's test set: its ``metainfo``, else its dataset
    type's ``METAINFO``."""
    dataset = cfg.test_dataloader.dataset
    metainfo = dataset.get('metainfo') or {}
    if metainfo.get('classes'):
        return tuple(metainfo['classes'])
    return tuple(DATASETS.get(dataset.type).METAINFO['classes'])


def load_detector(config: str, checkpoint: Optional[str] = None,
                  cfg_options: Optional[dict] = None
                  ) -> Tuple[Config, nn.Module, Sequence[str]]:
    """The config's detector in eval mode on CPU, with the checkpoint's weights (its
    initialisation without one, the backbone's random rather than downloaded), and its
    class names (the checkpoint's ``meta.dataset_meta``, else the config's).

    Raises:
        ValueError: a config that does not import mmdn.
        CheckpointError: a checkpoint that cannot be read, or whose weights do not fit
            the model (missing or unexpected keys, other shapes), naming both files.
    """
    cfg = Config.fromfile(config)
    check_custom_imports(cfg, config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmdet'))
    if checkpoint is None:  # random weights: no download of pretrained ones
        cfg.model.get('backbone', {}).pop('init_cfg', None)
    model = MODELS.build(cfg.model)
    classes = config_classes(cfg)
    if checkpoint is None:
        model.init_weights()
    else:
        ckpt = load_local_checkpoint(checkpoint, map_location='cpu')
        state = {k.removeprefix('module.'): v
                 for k, v in ckpt.get('state_dict', ckpt).items()}
        try:
            missing, unexpected = model.load_state_dict(state, strict=False)
        except RuntimeError as err:  # shapes that differ
            raise CheckpointError(
                f'checkpoint {checkpoint} does not fit {config}: {err}') from err
        if missing or unexpected:
            raise CheckpointError(
                f'checkpoint {checkpoint} does not fit {config}: {len(missing)} weights '
                f'of the model missing from it {missing[:3]}, {len(unexpected)} not in '
                f'the model {unexpected[:3]}')
        classes = tuple(ckpt.get('meta', {}).get('dataset_meta', {}).get('classes', classes))
    return cfg, model.eval(), classes
