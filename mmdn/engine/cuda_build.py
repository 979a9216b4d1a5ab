"""The CUDA side of ``tools/install.sh``: for which torch, CUDA toolkit and GPU
architectures mmcv's CUDA ops are compiled, decided before anything is compiled.

Run by path with the environment's interpreter (standard library only: neither torch nor
mmdn need be importable yet)::

    python mmdn/engine/cuda_build.py plan torch==2.13.0 [--torch-index URL]
    python mmdn/engine/cuda_build.py toolkit 13.0 [--home CUDA_HOME]

``plan`` resolves the torch requirement with ``pip install --dry-run`` (nothing is
installed) and reads the CUDA version of the build it gets; checks that the NVIDIA driver
(``nvidia-smi``), if any, runs that CUDA; and picks the toolkit: an ``nvcc`` of the same
CUDA major version found on the machine (``CUDA_HOME``, ``PATH``, ``/usr/local/cuda``),
else PyPI's toolkit pinned to torch's own ``cuda-toolkit`` requirement
(``cuda-toolkit[nvcc,cccl]``: nvcc, cicc, the crt and CCCL headers; the library headers
come with torch's dependencies). PyPI has an ``nvcc`` for CUDA 13 and later only: its
CUDA 12 wheel, ``nvidia-cuda-nvcc-cu12``, holds ``ptxas`` alone. ``toolkit`` runs once
that toolkit is installed: it finds ``CUDA_HOME``, gives the wheel's ``libcudart.so.N``
the unversioned name that the link step asks for, and checks the architectures against
``nvcc --list-gpu-arch``. Both print shell assignments for install.sh, or stop with
exit status 2 and a message naming what was found and the fix; install.sh runs both
before it installs torch, so a refused request leaves a working environment as it was.

Architectures (``TORCH_CUDA_ARCH_LIST``): those of the visible GPUs (``nvidia-smi``),
else ``TORCH_CUDA_ARCH_LIST`` as set, else :data:`DEFAULT_ARCHS`: A100, H100 and B200
kernels, with compute_100 PTX that the driver compiles for newer GPUs (RTX 50xx, sm_120).
"""
import argparse
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import Dict, List, NamedTuple, Optional, Sequence

DEFAULT_ARCHS = '8.0;9.0;10.0+PTX'
# The first CUDA major version whose PyPI toolkit ships nvcc.
FIRST_PYPI_NVCC = 13
TOOLKIT_EXTRAS = 'nvcc,cccl'
# CUDA library headers that torch's CUDA headers include (ATen/cuda/CUDAContextLight.h).
TORCH_INCLUDES = ('cusparse.h', 'cublas_v2.h', 'cusolverDn.h')
# Where a toolkit is looked for besides CUDA_HOME, CUDA_PATH and the PATH.
DEFAULT_HOMES = ('/usr/local/cuda', )


class BuildError(Exception):
    """A CUDA build that cannot work as asked; the message names what was found and the
    fix."""


class TorchBuild(NamedTuple):
    """The torch wheel a requirement resolves to."""
    version: str  # e.g. '2.13.0' or '2.7.1+cu128'
    cuda: Optional[str]  # 'major.minor', None for a CPU build
    toolkit_pin: Optional[str]  # the version of torch's cuda-toolkit requirement, if any


def _major_minor(version: str) -> str:
    return '.'.join(version.split('.')[:2])


def torch_build(name_version: str, requires: Sequence[str]) -> TorchBuild:
    """The CUDA version of a torch wheel, from its local version label (``+cu128``) or
    its CUDA requirements (``nvidia-cuda-runtime==13.0.96``, ``cuda-toolkit[...]==13.0.3``).
    """
    toolkit_pin = None
    cuda = None
    for req in requires:
        spec = req.split(';')[0].replace(' ', '')
        match = re.match(r'cuda-toolkit(\[[^\]]*\])?==([\d.]+)', spec)
        if match:
            toolkit_pin = match.group(2)
            cuda = cuda or _major_minor(toolkit_pin)
        match = re.match(r'nvidia-cuda-runtime(-cu\d+)?==([\d.]+)', spec)
        if match:
            cuda = _major_minor(match.group(2))
    label = re.search(r'\+cu(\d+)(\d)$', name_version)
    if label:
        cuda = f'{int(label.group(1))}.{label.group(2)}'
    elif '+' in name_version:  # +cpu, +rocm...
        cuda = None
    return TorchBuild(name_version, cuda, toolkit_pin)


def resolve_torch(python: str, torch_spec: str, torch_index: Optional[str]) -> TorchBuild:
    """The torch wheel that ``pip install torch_spec`` would install (a dry run)."""
    cmd = [python, '-m', 'pip', 'install', '--dry-run', '--quiet', '--ignore-installed',
           '--no-deps', '--report', '-', torch_spec]
    if torch_index:
        cmd += ['--extra-index-url', torch_index]
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        raise BuildError(f'pip cannot resolve {torch_spec!r}'
                         f'{f" with index {torch_index}" if torch_index else ""}:\n'
                         f'{result.stderr.strip()}')
    for item in json.loads(result.stdout)['install']:
        meta = item['metadata']
        if meta['name'].lower() == 'torch':
            return torch_build(meta['version'], meta.get('requires_dist') or [])
    raise BuildError(f'pip resolves {torch_spec!r} to no torch wheel')


def _run(cmd: List[str]) -> Optional[str]:
    """stdout of ``cmd``, or None when it is missing or fails."""
    try:
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return result.stdout if result.returncode == 0 else None


def driver_cuda() -> Optional[str]:
    """The newest CUDA version the NVIDIA driver runs ('major.minor', from
    ``nvidia-smi``), or None without a driver."""
    out = _run(['nvidia-smi'])
    match = re.search(r'CUDA Version:\s*(\d+\.\d+)', out or '')
    return match.group(1) if match else None


def visible_archs() -> List[str]:
    """Compute capabilities of the visible GPUs, e.g. ['9.0'], sorted, no repeats."""
    out = _run(['nvidia-smi', '--query-gpu=compute_cap', '--format=csv,noheader'])
    return sorted({line.strip() for line in (out or '').splitlines()
                   if re.fullmatch(r'\d+\.\d+', line.strip())}, key=_arch_key)


def _arch_key(arch: str) -> tuple:
    major, minor = arch.split('+')[0].split('.')
    return int(major), int(minor)


def nvcc_version(nvcc: str) -> Optional[str]:
    """'major.minor' of an nvcc, or None when it does not run."""
    match = re.search(r'release (\d+\.\d+)', _run([nvcc, '--version']) or '')
    return match.group(1) if match else None


def nvcc_home(nvcc: str) -> Optional[Path]:
    """The toolkit an nvcc belongs to, as nvcc itself says (``TOP``): ``nvcc`` on the
    PATH may be a wrapper script elsewhere."""
    match = re.search(r'^#\$ TOP=(.+)$', _run([nvcc, '--dryrun', '--version']) or '', re.M)
    return Path(match.group(1).strip()).resolve() if match else None


def system_toolkit(cuda: str, env: Dict[str, str]) -> Optional[str]:
    """The CUDA_HOME of a toolkit on the machine that can build against torch: an nvcc of
    ``cuda``'s major version (torch's rule: another minor version builds, another major
    one does not), with the library headers torch's CUDA headers include
    (:data:`TORCH_INCLUDES`; a toolkit of nvcc alone lacks them)."""
    candidates = [str(Path(env[k]) / 'bin' / 'nvcc') for k in ('CUDA_HOME', 'CUDA_PATH')
                  if env.get(k)]
    candidates += [shutil.which('nvcc', path=env.get('PATH')) or '']
    candidates += [str(Path(home) / 'bin' / 'nvcc') for home in DEFAULT_HOMES]
    for nvcc in filter(os.path.exists, candidates):
        found, home = nvcc_version(nvcc), nvcc_home(nvcc)
        if (found and home and found.split('.')[0] == cuda.split('.')[0]
                and all((home / 'include' / h).exists() for h in TORCH_INCLUDES)):
            return str(home)
    return None


def parse_archs(arch_list: str) -> List[str]:
    """``'8.0;9.0 10.0+PTX'`` as ['8.0', '9.0', '10.0+PTX']; other entries are refused."""
    archs = [a for a in re.split(r'[;\s]+', arch_list.strip()) if a]
    bad = [a for a in archs if not re.fullmatch(r'\d+\.\d+(\+PTX)?', a)]
    if bad or not archs:
        raise BuildError(f'TORCH_CUDA_ARCH_LIST={arch_list!r}: {bad or "empty"} is not a list '
                         f'of compute capabilities such as {DEFAULT_ARCHS!r}')
    return archs


def choose_archs(env: Dict[str, str]) -> str:
    """The visible GPUs' architectures, else TORCH_CUDA_ARCH_LIST, else the default."""
    visible = visible_archs()
    if visible:
        return ';'.join(visible)
    return ';'.join(parse_archs(env.get('TORCH_CUDA_ARCH_LIST') or DEFAULT_ARCHS))


def plan(python: str, torch_spec: str, torch_index: Optional[str],
         env: Dict[str, str]) -> Dict[str, str]:
    """What install.sh builds with: ``MMDN_TORCH_CUDA``, torch's CUDA version, and
    ``MMDN_TOOLKIT``, a toolkit on the machine (its directory) or PyPI's (the requirement
    to install)."""
    torch = resolve_torch(python, torch_spec, torch_index)
    index = f' from {torch_index}' if torch_index else ''
    if torch.cuda is None:
        raise BuildError(
            f'{torch_spec}{index} resolves to torch {torch.version}, a build without CUDA: '
            'choose a CUDA build of torch with TORCH_SPEC (and TORCH_INDEX), e.g. PyPI\'s '
            'torch==2.13.0 (CUDA 13.0) on Linux; nothing was changed')
    driver = driver_cuda()
    if driver and _arch_key(driver)[0] < _arch_key(torch.cuda)[0]:
        raise BuildError(
            f'the NVIDIA driver runs CUDA up to {driver} (nvidia-smi), but torch '
            f'{torch.version} is built for CUDA {torch.cuda}: install a driver for CUDA '
            f'{torch.cuda.split(".")[0]}, or choose a torch build for CUDA {driver} or older '
            'with TORCH_SPEC and TORCH_INDEX; nothing was changed')
    parse_archs(env.get('TORCH_CUDA_ARCH_LIST') or DEFAULT_ARCHS)
    found = {'MMDN_TORCH_CUDA': torch.cuda}
    home = system_toolkit(torch.cuda, env)
    if home:
        found['MMDN_TOOLKIT'] = home
    elif int(torch.cuda.split('.')[0]) >= FIRST_PYPI_NVCC:
        version = torch.toolkit_pin or f'{torch.cuda}.*'
        found['MMDN_TOOLKIT'] = f'cuda-toolkit[{TOOLKIT_EXTRAS}]=={version}'
    else:
        raise BuildError(
            f'torch {torch.version} is built for CUDA {torch.cuda}, and no nvcc of CUDA '
            f'{torch.cuda.split(".")[0]} is on this machine (CUDA_HOME, PATH, '
            f'/usr/local/cuda); PyPI has no nvcc for CUDA {torch.cuda} (its '
            'nvidia-cuda-nvcc-cu12 wheel holds ptxas alone): install the CUDA '
            f'{torch.cuda} toolkit and set CUDA_HOME, or use a torch built for CUDA '
            f'{FIRST_PYPI_NVCC} or later (PyPI\'s torch==2.13.0), whose toolkit the install '
            'brings from PyPI; nothing was changed')
    return found


def pypi_toolkit_home(cuda: str) -> Optional[Path]:
    """Where PyPI's toolkit for ``cuda`` lies in this interpreter's site-packages."""
    home = Path(sysconfig.get_paths()['purelib']) / 'nvidia' / f'cu{cuda.split(".")[0]}'
    return home if (home / 'bin' / 'nvcc').exists() else None


def link_cudart(home: Path) -> None:
    """The link step asks for ``-lcudart``; PyPI's runtime wheel ships only
    ``libcudart.so.<major>``: give it the unversioned name beside it."""
    lib = home / 'lib'
    plain = lib / 'libcudart.so'
    if lib.is_dir() and not plain.exists():
        versioned = sorted(lib.glob('libcudart.so.*'))
        if versioned:
            plain.symlink_to(versioned[0].name)


def supported_archs(home: Path) -> List[str]:
    """The architectures an nvcc compiles for, as ['7.5', '8.0', ...]."""
    out = _run([str(home / 'bin' / 'nvcc'), '--list-gpu-arch']) or ''
    return [f'{m[:-1]}.{m[-1]}' for m in re.findall(r'compute_(\d+)\b', out)]


def toolkit(cuda: str, home: Optional[str], env: Dict[str, str]) -> Dict[str, str]:
    """``CUDA_HOME`` and ``TORCH_CUDA_ARCH_LIST`` once the toolkit is installed: ``home``
    (a toolkit on the machine), or PyPI's in this interpreter's site-packages."""
    home = Path(home) if home else pypi_toolkit_home(cuda)
    if home is None:
        raise BuildError(f'no nvcc for CUDA {cuda} in {sys.executable}\'s site-packages '
                         '(nvidia/cu*/bin/nvcc) after installing PyPI\'s toolkit')
    link_cudart(home)
    archs = choose_archs(env)
    supported = supported_archs(home)
    unsupported = [a for a in parse_archs(archs) if a.split('+')[0] not in supported]
    if unsupported:
        raise BuildError(
            f'nvcc {nvcc_version(str(home / "bin" / "nvcc"))} ({home}) does not compile for '
            f'{", ".join(unsupported)} (TORCH_CUDA_ARCH_LIST={archs!r}); it supports '
            f'{" ".join(supported)}: set TORCH_CUDA_ARCH_LIST to those of your GPUs; '
            'nothing was compiled')
    return {'CUDA_HOME': str(home), 'TORCH_CUDA_ARCH_LIST': archs}


def main(argv: Optional[Sequence[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    sub = parser.add_subparsers(dest='step', required=True)
    p = sub.add_parser('plan', help='resolve torch, check the driver, choose the toolkit')
    p.add_argument('torch_spec')
    p.add_argument('--torch-index')
    t = sub.add_parser('toolkit', help='CUDA_HOME and the architectures, once installed')
    t.add_argument('cuda', help="torch's CUDA version, major.minor")
    t.add_argument('--home', help="a toolkit on the machine; default: PyPI's, installed")
    args = parser.parse_args(argv)
    env = dict(os.environ)
    try:
        found = (plan(sys.executable, args.torch_spec, args.torch_index, env)
                 if args.step == 'plan' else toolkit(args.cuda, args.home, env))
    except BuildError as err:
        print(f'error: {err}', file=sys.stderr)
        sys.exit(2)
    for key, value in found.items():
        print(f'{key}={shlex.quote(value)}')


if __name__ == '__main__':
    main()
