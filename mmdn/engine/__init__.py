from .checkpoint import CheckpointError, register_checkpoint_loading
from .distributed import (MMDNDistributedDataParallel, setup_distributed,
                          teardown_distributed)
from .files import write_atomically
from .hooks import MatchingInstabilityHook, instability
from .input_checks import (check_custom_imports, check_data_files, check_num_classes,
                           find_invalid_json, load_tool_config)

__all__ = [
    'CheckpointError', 'register_checkpoint_loading', 'MMDNDistributedDataParallel',
    'setup_distributed', 'teardown_distributed', 'check_custom_imports', 'check_data_files',
    'check_num_classes', 'find_invalid_json', 'load_tool_config', 'MatchingInstabilityHook',
    'instability', 'write_atomically'
]
