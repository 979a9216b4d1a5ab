"""``load_from`` for fine-tuning on another class set: the weights that fit, and a clear
error for a checkpoint of another model."""
from typing import Dict, List

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.runner import CheckpointLoader
from torch import Tensor, nn

from mmdet.registry import HOOKS

#: Below this share of the parameter elements outside the backbone (which detectors of
#: any family may share) with a fitting tensor in the checkpoint, the checkpoint is taken
#: for another model and refused.
MIN_FITTING_SHARE = 0.5


def _shapes(keys: List[str], state: Dict[str, Tensor], own: Dict[str, Tensor]) -> str:
    return ', '.join(f'{k} {tuple(state[k].shape)}->{tuple(own[k].shape)}' for k in keys)


def _some(keys: List[str], limit: int = 5) -> str:
    more = f' and {len(keys) - limit} more' if len(keys) > limit else ''
    return ', '.join(keys[:limit]) + more


def load_fitting_weights(model: nn.Module, filename: str, logger=None) -> Dict[str, List[str]]:
    """Loads every tensor of the checkpoint whose name and shape fit ``model``.

    The model's other tensors keep their values (their initialisation): with another
    class count these are the classifier and the label embedding of the denoising part.
    One log line names them.

    Args:
        model (nn.Module): the (initialised) model.
        filename (str): the checkpoint (any MMEngine checkpoint path).
        logger (MMLogger, optional): where the log line goes.

    Returns:
        dict: the keys ``reinitialised`` (shape differs), ``missing`` (not in the
        checkpoint) and ``ignored`` (not in the model).

    Raises:
        ValueError: less than half of the parameter elements outside the backbone fit
            (a checkpoint of another model family or size), naming what does not fit.
    """
    checkpoint = CheckpointLoader.load_checkpoint(filename, map_location='cpu')
    state = checkpoint.get('state_dict', checkpoint)
    state = {k.removeprefix('module.'): v for k, v in state.items()}
    own = model.state_dict()
    fitting = {k: v for k, v in state.items() if k in own and v.shape == own[k].shape}
    report = dict(reinitialised=[k for k in own if k in state and k not in fitting],
                  missing=[k for k in own if k not in state],
                  ignored=[k for k in state if k not in own])
    params = {k: p for k, p in model.named_parameters() if not k.startswith('backbone.')}
    share = (sum(params[k].numel() for k in fitting if k in params) /
             max(1, sum(p.numel() for p in params.values())))
    if share < MIN_FITTING_SHARE:
        raise ValueError(
            f'load_from {filename} does not fit {type(model).__name__}: only '
            f'{share:.0%} of its parameters outside the backbone have a tensor of the same '
            f'name and shape in the checkpoint (a checkpoint of another model?). Not in the '
            f'checkpoint: {_some(report["missing"]) or "-"}; shape differs: '
            f'{_shapes(report["reinitialised"][:5], state, own) or "-"}; not in the model: '
            f'{_some(report["ignored"]) or "-"}')
    model.load_state_dict(fitting, strict=False)
    if logger is not None:
        logger.info(
            f'load_from {filename}: loaded {len(fitting)} of the model\'s {len(own)} '
            f'tensors; re-initialised (shape differs): '
            f'{_shapes(report["reinitialised"], state, own) or "none"}; not in the '
            f'checkpoint: {_some(report["missing"]) or "none"}; not in the model: '
            f'{_some(report["ignored"]) or "none"}')
    return report


@HOOKS.register_module()
class LoadFittingWeightsHook(Hook):
    """:func:`load_fitting_weights` before training, after the model's initialisation.

    ``tools/train.py`` turns a config's ``load_from`` (without ``resume``) into this hook,
    so that a checkpoint trained with another class count fine-tunes.

    Args:
        checkpoint (str): the checkpoint.
    """

    priority = 'HIGHEST'

    def __init__(self, checkpoint: str) -> None:
        self.checkpoint = checkpoint

    def before_train(self, runner) -> None:
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        load_fitting_weights(model, self.checkpoint, runner.logger)
