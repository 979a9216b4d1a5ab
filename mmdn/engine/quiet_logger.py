"""The tools' quiet logger: MMEngine's messages below ERROR left out of a tool's output."""
from mmengine.logging import MMLogger


def quiet_logger(name: str) -> MMLogger:
    """MMEngine's logger ``name`` at level ERROR, made once a process (asking MMEngine
    again with a level warns: a tool run twice in one process, as the tests do)."""
    if MMLogger.check_instance_created(name):
        return MMLogger.get_instance(name)
    return MMLogger.get_instance(name, log_level='ERROR')
