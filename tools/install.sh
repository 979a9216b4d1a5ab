#!/usr/bin/env bash
# Creates (or checks) the project's virtual environment: torch, mmengine, mmcv with its
# compiled ops, mmdet, onnx and onnxruntime, and mmdn in editable mode. A second run only checks and returns.
#
#   MMDN_VENV    where the environment lives            (default: <repo>/.venv)
#   PYTHON       the interpreter that creates it          (default: python3)
#   TORCH_SPEC   the torch requirement                    (default: torch==2.13.0)
#   TORCH_INDEX  an extra index for torch, e.g. a CUDA wheel index (default: none)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv=${MMDN_VENV:-$root/.venv}
python=${PYTHON:-python3}
torch_spec=${TORCH_SPEC:-torch==2.13.0}
torch_index=${TORCH_INDEX:-}

key=$(cat "$root"/requirements/*.txt "$root/setup.py" | sha256sum | cut -c1-16)-$torch_spec-$torch_index
stamp=$venv/.mmdn-install
check='import mmdn, mmcv.ops, mmdet, mmengine, torch, onnx, onnxruntime; from mmcv.ops import MultiScaleDeformableAttention'
if [[ -f $stamp && $(cat "$stamp") == "$key" ]] && "$venv/bin/python" -c "$check" 2>/dev/null; then
  echo "mmdn environment up to date: $venv"
  exit 0
fi

[[ -x $venv/bin/python ]] || "$python" -m venv "$venv"
pip=("$venv/bin/python" -m pip install --disable-pip-version-check)
# A folder of prebuilt wheels beside the repo (this workplace's shared/) is used as a cache
# for mmcv; without it mmcv compiles its ops from source (~10 min on 2 cores).
wheels=$root/../shared/wheels
if [[ -d $wheels && $torch_spec == "torch==2.13.0" && -z $torch_index ]]; then
  export PIP_FIND_LINKS="${PIP_FIND_LINKS:-} $wheels"
fi

"${pip[@]}" "$torch_spec" ${torch_index:+--extra-index-url "$torch_index"}
# mmcv's setup.py imports pkg_resources (setuptools<70) and needs the installed torch (and
# CUDA, when present) to build its ops; torch itself asks for a newer setuptools, put back after.
if ! "$venv/bin/python" -c 'import mmcv.ops' 2>/dev/null; then
  "${pip[@]}" -r "$root/requirements/build.txt"
  "${pip[@]}" --no-build-isolation -c "$root/requirements/runtime.txt" \
    "$(grep '^mmcv' "$root/requirements/runtime.txt")"
fi
"${pip[@]}" "$torch_spec" ${torch_index:+--extra-index-url "$torch_index"}
# torch < 2.3 is built against numpy 1 and fails with numpy 2 at its first numpy call.
numpy_pin=()
if ! "$venv/bin/python" -c 'import sys, torch; sys.exit(tuple(int(v) for v in torch.__version__.split("+")[0].split(".")[:2]) < (2, 3))'; then
  numpy_pin=('numpy<2')
fi
"${pip[@]}" -r "$root/requirements/runtime.txt" -r "$root/requirements/tests.txt" \
  -r "$root/requirements/optional.txt" -r "$root/requirements/deploy.txt" "${numpy_pin[@]}"
"${pip[@]}" --no-build-isolation --no-deps -e "$root"
# mmengine imports torchvision whenever it is installed; a torchvision built for another
# torch fails at that import, and nothing in mmdn needs it.
if "$venv/bin/python" -c 'import importlib.util as u, sys; sys.exit(u.find_spec("torchvision") is None)'; then
  "$venv/bin/python" -c 'import torchvision' 2>/dev/null || {
    echo "torchvision does not import beside this torch; removing it"; "$venv/bin/python" -m pip uninstall -y torchvision; }
fi
"$venv/bin/python" -c "$check"
# On a GPU machine: mmcv's deformable attention and RoIAlign must run on CUDA (stops with
# the fix when mmcv was built without its CUDA ops).
"$venv/bin/python" -m mmdn.engine.cuda_ops
echo "$key" > "$stamp"
echo "mmdn environment ready: $venv"
