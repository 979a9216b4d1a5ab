from mmengine.config import Config

from mmdn.engine.hooks import MainProcessLoggerHook, main_process_logger_hook
from ...conftest import REPO


def test_only_the_main_process_writes_the_test_metrics(monkeypatch):
    calls = []
    monkeypatch.setattr(main_process_logger_hook.LoggerHook, 'after_test_epoch',
                        lambda self, runner, metrics=None: calls.append(metrics))
    hook = MainProcessLoggerHook()
    monkeypatch.setattr(main_process_logger_hook, 'is_main_process', lambda: False)
    hook.after_test_epoch(None, {'coco/bbox_mAP': 0.5})
    assert calls == []
    monkeypatch.setattr(main_process_logger_hook, 'is_main_process', lambda: True)
    hook.after_test_epoch(None, {'coco/bbox_mAP': 0.5})
    assert calls == [{'coco/bbox_mAP': 0.5}]


def test_every_config_logs_through_it():
    cfg = Config.fromfile(REPO / 'configs' / '_base_' / 'default_runtime.py')
    assert cfg.default_hooks.logger.type == 'MainProcessLoggerHook'
