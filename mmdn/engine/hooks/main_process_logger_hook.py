"""mmengine's LoggerHook with the test metrics file written by one process."""
from typing import Dict, Optional

from mmengine.dist import is_main_process
from mmengine.hooks import LoggerHook

from mmdet.registry import HOOKS


@HOOKS.register_module()
class MainProcessLoggerHook(LoggerHook):
    """``LoggerHook`` whose end-of-test metrics JSON only the main process writes.

    In mmengine 0.10.7 every rank dumps the test metrics to the same
    ``<log_dir>/<timestamp>.json``; two processes truncating and writing one file can
    leave it corrupted (seen with ``tools/dist_test.sh CONFIG CKPT 2``: a stray ``}``).
    The other ranks log nothing here: their metrics are the main process's anyway.
    """

    def after_test_epoch(self, runner, metrics: Optional[Dict[str, float]] = None) -> None:
        if is_main_process():
            super().after_test_epoch(runner, metrics)
