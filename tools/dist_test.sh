#!/usr/bin/env bash
# tools/dist_test.sh CONFIG CHECKPOINT GPUS [test.py args]: one process per GPU (or per
# CPU process with gloo on a machine without CUDA). Multi-node: NNODES, NODE_RANK,
# MASTER_ADDR, PORT. Runs the project's environment ($MMDN_VENV, else the repo's .venv)
# when it exists, else the python on PATH.
set -euo pipefail
CONFIG=$1
CHECKPOINT=$2
GPUS=$3
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-127.0.0.1}
here=$(cd "$(dirname "$0")" && pwd)
source "$here/project_python.sh"
PYTHONPATH="$here/..${PYTHONPATH:+:$PYTHONPATH}" \
"$python" -m torch.distributed.run \
    --nnodes="$NNODES" \
    --node_rank="$NODE_RANK" \
    --master_addr="$MASTER_ADDR" \
    --nproc_per_node="$GPUS" \
    --master_port="$PORT" \
    "$here/test.py" "$CONFIG" "$CHECKPOINT" --launcher pytorch "${@:4}"
