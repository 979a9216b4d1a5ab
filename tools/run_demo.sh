#!/usr/bin/env bash
# tools/run_demo.sh CONFIG WORK_DIR [ARGS...]: the README's main job after the install.
# Writes the demo dataset to data/demo (again when it is incomplete, from an older
# generator or from other arguments), trains CONFIG on it, evaluates the last checkpoint
# with COCO metrics, draws every val image's ground truth beside its predictions (PNG,
# scores >= 0.3), and says where the checkpoint, logs, metrics and drawings are. ARGS
# (e.g. --cfg-options ...) go to both tools/train.py and tools/test.py.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
config=$1
work_dir=$2
shift 2
py=${MMDN_VENV:-$root/.venv}/bin/python
"$py" tools/misc/make_demo_dataset.py data/demo --seed 0 --if-stale
start=$(date +%s)
"$py" tools/train.py "$config" --work-dir "$work_dir" "$@"
trained=$(date +%s)
ckpt=$(cat "$work_dir/last_checkpoint")
"$py" tools/test.py "$config" "$ckpt" --work-dir "$work_dir/test" \
    --out "$work_dir/test/predictions.pkl" --show-dir drawn "$@"
runs=("$work_dir"/test/2*/)  # timestamped, so the last is the newest
run=${runs[-1]}
metrics=("$run"*.json)
echo
echo "trained in $(( trained - start )) s"
echo "checkpoint:  $ckpt"
logs=("$work_dir"/2*/)
echo "train logs:  ${logs[-1]}"
echo "predictions: $work_dir/test/predictions.pkl"
echo "metrics:     ${metrics[0]}"
cat "${metrics[0]}"; echo
echo "ground truth (left) beside predictions (right), all val images in ${run}drawn/:"
drawn=("$run"drawn/*.png)
printf '%s\n' "${drawn[@]:0:4}"
