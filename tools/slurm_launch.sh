#!/usr/bin/env bash
# tools/slurm_launch.sh train|test PARTITION JOB_NAME CONFIG WORK_DIR|CHECKPOINT [args]:
# what tools/slurm_train.sh and tools/slurm_test.sh run. One task per GPU through srun, as
# mmdet's scripts. Environment: GPUS (8), GPUS_PER_NODE (8), CPUS_PER_TASK (5), SRUN_ARGS
# (extra srun options). Runs the project's environment ($MMDN_VENV, else the repo's .venv)
# when it exists, else the python on PATH.
set -euo pipefail
TASK=$1
PARTITION=$2
JOB_NAME=$3
CONFIG=$4
GPUS=${GPUS:-8}
GPUS_PER_NODE=${GPUS_PER_NODE:-8}
CPUS_PER_TASK=${CPUS_PER_TASK:-5}
SRUN_ARGS=${SRUN_ARGS:-""}
here=$(cd "$(dirname "$0")" && pwd)
source "$here/project_python.sh"
case $TASK in
  train) tool_args=("$here/train.py" "$CONFIG" --work-dir="$5") ;;
  test) tool_args=("$here/test.py" "$CONFIG" "$5") ;;
  *) echo "slurm_launch.sh: the task is train or test, got $TASK" >&2; exit 2 ;;
esac
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
    "$python" -u "${tool_args[@]}" --launcher=slurm "${@:6}"
