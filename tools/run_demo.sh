#!/usr/bin/env bash
# tools/run_demo.sh CONFIG WORK_DIR: the README's main job after the install. Writes the
# demo dataset to data/demo (again when it is incomplete or from an older generator),
# trains CONFIG on it, evaluates the last checkpoint with COCO metrics, draws every val
# image's ground truth beside its predictions (PNG, scores >= 0.3), and says where the
# checkpoint, logs, metrics and drawings are.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
config=$1
work_dir=$2
py=${MMDN_VENV:-$root/.venv}/bin/python
"$py" tools/misc/make_demo_dataset.py data/demo --seed 0 --if-stale
start=$(date +%s)
"$py" tools/train.py "$config" --work-dir "$work_dir"
trained=$(date +%s)
ckpt=$(cat "$work_dir/last_checkpoint")
"$py" tools/test.py "$config" "$ckpt" --work-dir "$work_dir/test" \
    --out "$work_dir/test/predictions.pkl" --show-dir drawn
run=$(ls -td "$work_dir"/test/2*/ | head -n 1)
metrics=$(ls "$run"*.json | head -n 1)
echo
echo "trained in $(( trained - start )) s"
echo "checkpoint:  $ckpt"
echo "train logs:  $(ls -td "$work_dir"/2*/ | head -n 1)"
echo "predictions: $work_dir/test/predictions.pkl"
echo "metrics:     $metrics"
cat "$metrics"; echo
echo "ground truth (left) beside predictions (right), all val images in ${run}drawn/:"
ls "$run"drawn/*.png | head -n 4
