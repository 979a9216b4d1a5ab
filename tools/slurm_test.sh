#!/usr/bin/env bash
# tools/slurm_test.sh PARTITION JOB_NAME CONFIG CHECKPOINT [test.py args], as mmdet's:
# GPUS (8), GPUS_PER_NODE (8), CPUS_PER_TASK (5), SRUN_ARGS; see slurm_launch.sh.
exec "$(dirname "$0")/slurm_launch.sh" test "$@"
