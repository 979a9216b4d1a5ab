#!/usr/bin/env bash
# tools/slurm_train.sh PARTITION JOB_NAME CONFIG WORK_DIR [train.py args]: one task per
# GPU through srun, as mmdet's. Environment: GPUS (8), GPUS_PER_NODE (8), CPUS_PER_TASK
# (5), SRUN_ARGS (extra srun options). Runs the project's environment ($MMDN_VENV, else
# the repo's .venv) when it exists, else the python on PATH.
set -euo pipefail
PARTITION=$1
JOB_NAME=$2
CONFIG=$3
WORK_DIR=$4
GPUS=${GPUS:-8}
GPUS_PER_NODE=${GPUS_PER_NODE:-8}
CPUS_PER_TASK=${CPUS_PER_TASK:-5}
SRUN_ARGS=${SRUN_ARGS:-""}
here=$(cd "$(dirname "$0")" && pwd)
source "$here/project_python.sh"
set -x
# shellcheck disable=SC2086  # SRUN_ARGS holds several options
PYTHONPATH="$here/..${PYTHONPATH:+:$PYTHONPATH}" \
srun -p "$PARTITION" \
    --job-name="$JOB_NAME" \
    --gres=gpu:"$GPUS_PER_NODE" \
    --ntasks="$GPUS" \
    --ntasks-per-node="$GPUS_PER_NODE" \
    --cpus-per-task="$CPUS_PER_TASK" \
    --kill-on-bad-exit=1 \
    $SRUN_ARGS \
    "$python" -u "$here/train.py" "$CONFIG" --work-dir="$WORK_DIR" --launcher=slurm "${@:5}"
