#!/usr/bin/env bash
# Creates (or checks) the project's virtual environment: torch, mmengine, mmcv with its
# compiled ops, mmdet, onnx and onnxruntime, and mmdn in editable mode. A second run only checks and returns.
#
#   MMDN_VENV    where the environment lives            (default: <repo>/.venv)
#   PYTHON       the interpreter that creates it          (default: python3)
#   TORCH_SPEC   the torch requirement                    (default: torch==2.13.0)
#   TORCH_INDEX  an extra index for torch, e.g. a CUDA wheel index (default: none)
#   MMDN_CUDA    1: mmcv with its CUDA ops (default where nvidia-smi lists a GPU), 0: CPU ops
#                (FORCE_CUDA=1 means MMDN_CUDA=1)
#   TORCH_CUDA_ARCH_LIST  with MMDN_CUDA=1 and no visible GPU: the architectures to build
#                         (default: 8.0;9.0;10.0+PTX, see mmdn/engine/cuda_build.py)
#   MMDN_MMCV_WHEEL       with MMDN_CUDA=1: a wheel of mmcv's CUDA build to install
#                         instead of compiling (one built by this script, on another node)
#   MMDN_BUILD_DIR        with MMDN_CUDA=1: where mmcv's source is built (default:
#                         <venv>/build; an interrupted build resumes there)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv=${MMDN_VENV:-$root/.venv}
python=${PYTHON:-python3}
torch_spec=${TORCH_SPEC:-torch==2.13.0}
torch_index=${TORCH_INDEX:-}
[[ ${FORCE_CUDA:-0} == 1 ]] && : "${MMDN_CUDA:=1}"
if [[ -z ${MMDN_CUDA:-} ]]; then
  MMDN_CUDA=0
  nvidia-smi -L 2>/dev/null | grep -q '^GPU' && MMDN_CUDA=1
fi

key=$(cat "$root"/requirements/*.txt "$root/setup.py" "$root/mmdn/engine/cuda_build.py" |
  sha256sum | cut -c1-16)-$torch_spec-$torch_index-cuda$MMDN_CUDA
stamp=$venv/.mmdn-install
check='import mmdn, mmcv.ops, mmdet, mmengine, torch, onnx, onnxruntime; from mmcv.ops import MultiScaleDeformableAttention'
if [[ -f $stamp && $(cat "$stamp") == "$key" ]] && "$venv/bin/python" -c "$check" 2>/dev/null; then
  echo "mmdn environment up to date: $venv"
  exit 0
fi

[[ -x $venv/bin/python ]] || "$python" -m venv "$venv"
pip=("$venv/bin/python" -m pip install --disable-pip-version-check)
torch_install=("${pip[@]}" "$torch_spec" ${torch_index:+--extra-index-url "$torch_index"})

if [[ $MMDN_CUDA == 1 ]]; then
  # Decided before anything is installed: torch's CUDA version, the driver, the toolkit
  # (one on the machine, else PyPI's) and the architectures; a refusal changes nothing.
  cuda_build=("$venv/bin/python" -I "$root/mmdn/engine/cuda_build.py")
  plan=$("${cuda_build[@]}" plan "$torch_spec" ${torch_index:+--torch-index "$torch_index"})
  eval "$plan"
  echo "CUDA build: torch $torch_spec with CUDA $MMDN_TORCH_CUDA, toolkit $MMDN_TOOLKIT"
  if [[ $MMDN_TOOLKIT == cuda-toolkit* ]]; then
    "${pip[@]}" "$MMDN_TOOLKIT"
    found=$("${cuda_build[@]}" toolkit "$MMDN_TORCH_CUDA")
  else
    found=$("${cuda_build[@]}" toolkit "$MMDN_TORCH_CUDA" --home "$MMDN_TOOLKIT")
  fi
  eval "$found"
  export CUDA_HOME TORCH_CUDA_ARCH_LIST FORCE_CUDA=1 PATH=$CUDA_HOME/bin:$PATH
  echo "CUDA_HOME=$CUDA_HOME TORCH_CUDA_ARCH_LIST=$TORCH_CUDA_ARCH_LIST"
else
  # A folder of prebuilt wheels beside the repo (this workplace's shared/) is used as a
  # cache for mmcv's CPU build; without it mmcv compiles its ops from source (~10 min on
  # 2 cores).
  wheels=$root/../shared/wheels
  if [[ -d $wheels && $torch_spec == "torch==2.13.0" && -z $torch_index ]]; then
    export PIP_FIND_LINKS="${PIP_FIND_LINKS:-} $wheels"
  fi
fi

"${torch_install[@]}"
# mmcv's setup.py imports pkg_resources (setuptools<70) and needs the installed torch (and
# CUDA, when present) to build its ops; torch itself asks for a newer setuptools, put back after.
mmcv_req=$(grep '^mmcv' "$root/requirements/runtime.txt")
if [[ $MMDN_CUDA == 1 ]]; then
  if [[ -n ${MMDN_MMCV_WHEEL:-} ]]; then
    wheel=$MMDN_MMCV_WHEEL
  else
    # mmcv's source in a kept folder, built into a wheel there: an interrupted build
    # resumes, and the wheel installs on every node of a cluster (MMDN_MMCV_WHEEL).
    build=${MMDN_BUILD_DIR:-$venv/build}
    src=$build/${mmcv_req/==/-}
    mkdir -p "$build"
    "${pip[@]}" -r "$root/requirements/build.txt"
    if [[ ! -f $src/setup.py ]]; then
      "$venv/bin/python" -m pip download --disable-pip-version-check --no-deps \
        --no-binary mmcv --no-build-isolation -d "$build" "$mmcv_req"
      tar -xzf "$src.tar.gz" -C "$build"
    fi
    echo "compiling mmcv's ops for CUDA $MMDN_TORCH_CUDA, $TORCH_CUDA_ARCH_LIST, in $src (an hour or more on 2 cores)"
    MAX_JOBS=${MAX_JOBS:-$(nproc)} "$venv/bin/python" -m pip wheel --disable-pip-version-check \
      --no-build-isolation --no-deps -w "$build/wheels" "$src"
    wheel=$(ls "$build"/wheels/mmcv-*.whl)
    echo "mmcv's CUDA build: $wheel (MMDN_MMCV_WHEEL=$wheel installs it elsewhere)"
  fi
  "${pip[@]}" --force-reinstall --no-deps "$wheel"
elif ! "$venv/bin/python" -c 'import mmcv.ops' 2>/dev/null; then
  "${pip[@]}" -r "$root/requirements/build.txt"
  "${pip[@]}" --no-build-isolation -c "$root/requirements/runtime.txt" "$mmcv_req"
fi
"${torch_install[@]}"
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
