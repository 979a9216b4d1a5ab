"""Evaluates the epoch a training resumes from, before it trains on."""
from mmengine.hooks import Hook
from mmengine.runner import EpochBasedTrainLoop, Runner

from mmdet.registry import HOOKS


@HOOKS.register_module()
class ValidateResumedEpochHook(Hook):
    """Validates the epoch a training resumes from, when the loop evaluates that epoch.

    MMEngine saves an epoch's checkpoint before the epoch's validation, so a training
    stopped between the two resumes past an evaluation it never made: its curve lacks
    that epoch, and after the last epoch it lacks the final result (the resumed loop has
    nothing left to run). This hook runs the validation first. Where it had run before
    the stop, it runs again on the same weights and is logged again at the same epoch
    (readers of the curves keep the later value). A new training (epoch 0), or one
    resumed at an epoch without evaluation, is left alone.
    """
    priority = 'LOWEST'  # after every other hook's ``before_train``

    def before_train(self, runner: Runner) -> None:
        loop = runner.train_loop
        if not isinstance(loop, EpochBasedTrainLoop) or runner.val_loop is None:
            return
        epoch = loop.epoch
        if epoch > 0 and epoch >= loop.val_begin and (
                epoch % loop.val_interval == 0 or epoch == loop.max_epochs):
            runner.val_loop.run()
