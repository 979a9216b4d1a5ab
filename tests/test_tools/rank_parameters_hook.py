"""A hook for multi-process tests: each rank saves its parameters before and after
training, so that a test can compare the ranks."""
import torch
from mmengine.dist import get_rank
from mmengine.hooks import Hook

from mmdet.registry import HOOKS


@HOOKS.register_module()
class SaveRankParametersHook(Hook):
    """Writes ``rank{r}_{before,after}.pth`` (the parameters) into the work dir."""

    def _save(self, runner, when: str) -> None:
        model = getattr(runner.model, 'module', runner.model)
        torch.save({k: v.detach().cpu().clone() for k, v in model.named_parameters()},
                   f'{runner.work_dir}/rank{get_rank()}_{when}.pth')

    def before_train(self, runner) -> None:
        self._save(runner, 'before')

    def after_train(self, runner) -> None:
        self._save(runner, 'after')
