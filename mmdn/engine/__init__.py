from .amp import BF16OptimWrapper, configure_amp
from .checkpoint import CheckpointError, register_checkpoint_loading
from .distributed import MMDNDistributedDataParallel, setup_distributed, teardown_distributed
from .files import write_atomically
from .hooks import (
    LoadFittingWeightsHook,
    MatchingInstabilityHook,
    ValidateResumedEpochHook,
    instability,
    load_fitting_weights,
)
from .input_checks import (
    check_custom_imports,
    check_data_files,
    check_num_classes,
    find_invalid_json,
    load_config,
    load_tool_config,
)
from .pretrained import (
    PretrainedWeightsError,
    check_pretrained,
    pretrained_uris,
    register_pretrained_loading,
)
from .quiet_logger import quiet_logger

__all__ = [
    'BF16OptimWrapper', 'configure_amp', 'CheckpointError', 'register_checkpoint_loading',
    'MMDNDistributedDataParallel', 'setup_distributed', 'teardown_distributed',
    'check_custom_imports', 'check_data_files', 'check_num_classes', 'find_invalid_json',
    'load_config', 'load_tool_config', 'LoadFittingWeightsHook', 'load_fitting_weights',
    'MatchingInstabilityHook', 'ValidateResumedEpochHook', 'instability', 'write_atomically',
    'PretrainedWeightsError',
    'check_pretrained', 'pretrained_uris', 'quiet_logger', 'register_pretrained_loading'
]
