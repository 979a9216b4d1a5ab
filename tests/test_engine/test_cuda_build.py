"""install.sh's CUDA plan: torch's CUDA version from the wheel pip picks, the driver, the
toolkit (on the machine or PyPI's), the architectures; refusals before anything changes.

pip resolves stand-in torch wheels from a local folder (no index); ``nvidia-smi`` and
``nvcc`` are stand-in scripts that answer as the real ones do."""
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from mmdn.engine import cuda_build
from ..conftest import REPO

PYPI_TORCH_REQUIRES = (
    'cuda-toolkit[cublas,cudart,cufft,cufile,cupti,curand,cusolver,cusparse,nvjitlink,'
    'nvrtc,nvtx]==13.0.3; platform_system == "Linux"',
    'nvidia-cudnn-cu13==9.20.0.48; platform_system == "Linux"')
CU128_REQUIRES = ('nvidia-cuda-runtime-cu12==12.8.90; platform_system == "Linux"', )


def fake_torch_wheel(folder: Path, version: str, requires=()) -> None:
    """A wheel named torch with ``requires`` in its metadata, for pip to resolve."""
    folder.mkdir(parents=True, exist_ok=True)
    info = f'torch-{version}.dist-info'
    with zipfile.ZipFile(folder / f'torch-{version}-py3-none-any.whl', 'w') as whl:
        whl.writestr('torch/__init__.py', '')
        whl.writestr(f'{info}/METADATA', '\n'.join(
            ['Metadata-Version: 2.1', 'Name: torch', f'Version: {version}'] +
            [f'Requires-Dist: {r}' for r in requires]) + '\n')
        whl.writestr(f'{info}/WHEEL', 'Wheel-Version: 1.0\nRoot-Is-Purelib: true\n'
                     'Tag: py3-none-any\n')
        whl.writestr(f'{info}/RECORD', '')


def script(path: Path, body: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('#!/bin/sh\n' + body)
    path.chmod(0o755)
    return path


def fake_toolkit(home: Path, release: str = '13.0', headers: bool = True) -> Path:
    """A toolkit folder: an nvcc answering --version, --dryrun and --list-gpu-arch, the
    library headers torch includes, a versioned libcudart."""
    archs = ' '.join(f'compute_{a}' for a in (75, 80, 86, 89, 90, 100, 120))
    script(home / 'bin' / 'nvcc', f'''case "$*" in
  *--dryrun*) echo "#$ TOP={home}/bin/.." ;;
  *--version*) echo "Cuda compilation tools, release {release}, V{release}.88" ;;
  *--list-gpu-arch*) for a in {archs}; do echo $a; done ;;
esac
''')
    (home / 'include').mkdir(parents=True, exist_ok=True)
    for header in cuda_build.TORCH_INCLUDES if headers else ():
        (home / 'include' / header).write_text('')
    (home / 'lib').mkdir(exist_ok=True)
    (home / 'lib' / f'libcudart.so.{release.split(".")[0]}').write_text('')
    return home


@pytest.fixture
def machine(tmp_path, monkeypatch):
    """This process's view of a machine: pip resolves torch from ``tmp/wheels`` alone, a
    PATH of ``tmp/bin`` and the system's (no nvcc, no nvidia-smi) and no default toolkit
    folder."""
    monkeypatch.setenv('PIP_NO_INDEX', '1')
    monkeypatch.setenv('PIP_FIND_LINKS', str(tmp_path / 'wheels'))
    monkeypatch.setenv('PIP_CONFIG_FILE', os.devnull)
    (tmp_path / 'bin').mkdir()
    monkeypatch.setenv('PATH', os.pathsep.join(
        [str(tmp_path / 'bin'), str(Path(sys.executable).parent), '/usr/bin', '/bin']))
    for key in ('CUDA_HOME', 'CUDA_PATH', 'TORCH_CUDA_ARCH_LIST'):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setattr(cuda_build, 'DEFAULT_HOMES', ())
    return tmp_path


def smi(machine: Path, cuda: str = '13.0', caps=()) -> None:
    """An nvidia-smi whose driver runs ``cuda`` and whose GPUs have ``caps``."""
    rows = ''.join(f'echo {c}\n' for c in caps)
    script(machine / 'bin' / 'nvidia-smi', f'''case "$*" in
  *compute_cap*) {rows or 'true'} ;;
  *) echo "| NVIDIA-SMI 580.65   Driver Version: 580.65   CUDA Version: {cuda}  |" ;;
esac
''')


def plan(spec: str = 'torch==2.13.0') -> dict:
    return cuda_build.plan(sys.executable, spec, None, dict(os.environ))


@pytest.mark.parametrize('version, requires, cuda, pin', [
    ('2.13.0', PYPI_TORCH_REQUIRES, '13.0', '13.0.3'),
    ('2.7.1+cu128', CU128_REQUIRES, '12.8', None),
    ('2.1.2+cu121', (), '12.1', None),
    ('2.13.0+cpu', (), None, None),
    ('2.13.0', (), None, None),
])
def test_cuda_version_of_a_torch_wheel(version, requires, cuda, pin):
    assert cuda_build.torch_build(version, requires) == (version, cuda, pin)


def test_pypi_torch_gets_the_toolkit_of_its_own_requirement(machine):
    fake_torch_wheel(machine / 'wheels', '2.13.0', PYPI_TORCH_REQUIRES)
    assert plan() == {'MMDN_TORCH_CUDA': '13.0',
                      'MMDN_TOOLKIT': 'cuda-toolkit[nvcc,cccl]==13.0.3'}


def test_a_toolkit_on_the_machine_is_used_when_complete(machine, monkeypatch):
    fake_torch_wheel(machine / 'wheels', '2.7.1+cu128', CU128_REQUIRES)
    # nvcc on the PATH is a wrapper elsewhere (as /usr/local/bin/nvcc may be): the
    # toolkit is where nvcc itself says it is.
    home = fake_toolkit(machine / 'cuda-12.4', release='12.4')
    script(machine / 'bin' / 'nvcc', f'exec {home}/bin/nvcc "$@"\n')
    assert plan('torch==2.7.1') == {'MMDN_TORCH_CUDA': '12.8', 'MMDN_TOOLKIT': str(home)}


def test_a_toolkit_without_the_library_headers_is_passed_over(machine, monkeypatch):
    fake_torch_wheel(machine / 'wheels', '2.13.0', PYPI_TORCH_REQUIRES)
    home = fake_toolkit(machine / 'nvcc-only', headers=False)
    monkeypatch.setenv('CUDA_HOME', str(home))
    assert plan()['MMDN_TOOLKIT'] == 'cuda-toolkit[nvcc,cccl]==13.0.3'


@pytest.mark.parametrize('wheel, requires, spec, message', [
    ('2.13.0+cpu', (), 'torch==2.13.0',
     'torch==2.13.0 resolves to torch 2.13.0+cpu, a build without CUDA'),
    ('2.7.1+cu128', CU128_REQUIRES, 'torch==2.7.1',
     'torch 2.7.1+cu128 is built for CUDA 12.8, and no nvcc of CUDA 12 is on this machine'),
])
def test_refusals_name_what_was_found_and_the_fix(machine, wheel, requires, spec, message):
    fake_torch_wheel(machine / 'wheels', wheel, requires)
    # A CUDA 13 toolkit does not build for a CUDA 12 torch.
    script(machine / 'bin' / 'nvcc', f'exec {fake_toolkit(machine / "cuda13")}/bin/nvcc "$@"\n')
    with pytest.raises(cuda_build.BuildError) as err:
        plan(spec)
    assert message in str(err.value) and 'nothing was changed' in str(err.value)
    if '12.8' in message:
        assert 'PyPI has no nvcc for CUDA 12.8' in str(err.value)
        assert 'ptxas alone' in str(err.value) and 'set CUDA_HOME' in str(err.value)


def test_a_driver_older_than_torchs_cuda_is_refused(machine):
    fake_torch_wheel(machine / 'wheels', '2.13.0', PYPI_TORCH_REQUIRES)
    smi(machine, cuda='12.4')
    with pytest.raises(cuda_build.BuildError, match=(
            r'the NVIDIA driver runs CUDA up to 12.4 \(nvidia-smi\), but torch 2.13.0 is '
            r'built for CUDA 13.0: install a driver for CUDA 13')):
        plan()
    smi(machine, cuda='13.0')
    assert plan()['MMDN_TORCH_CUDA'] == '13.0'


def test_unresolvable_torch_is_named(machine):
    (machine / 'wheels').mkdir()
    with pytest.raises(cuda_build.BuildError, match="pip cannot resolve 'torch==9.9'"):
        plan('torch==9.9')


def test_toolkit_links_cudart_and_builds_for_the_visible_gpus(machine):
    home = fake_toolkit(machine / 'cu13')
    assert cuda_build.toolkit('13.0', str(home), dict(os.environ)) == {
        'CUDA_HOME': str(home), 'TORCH_CUDA_ARCH_LIST': cuda_build.DEFAULT_ARCHS}
    assert os.readlink(home / 'lib' / 'libcudart.so') == 'libcudart.so.13'
    smi(machine, caps=('9.0', '8.0', '9.0'))
    assert cuda_build.toolkit('13.0', str(home), dict(os.environ))[
        'TORCH_CUDA_ARCH_LIST'] == '8.0;9.0'
    env = dict(os.environ, TORCH_CUDA_ARCH_LIST='12.0')  # visible GPUs come first
    assert cuda_build.toolkit('13.0', str(home), env)['TORCH_CUDA_ARCH_LIST'] == '8.0;9.0'


def test_pypi_toolkit_is_found_in_site_packages(machine, monkeypatch):
    site = machine / 'site'
    monkeypatch.setattr(cuda_build.sysconfig, 'get_paths', lambda: {'purelib': str(site)})
    assert cuda_build.pypi_toolkit_home('13.0') is None
    home = fake_toolkit(site / 'nvidia' / 'cu13')
    assert cuda_build.toolkit('13.0', None, dict(os.environ))['CUDA_HOME'] == str(home)


@pytest.mark.parametrize('archs, message', [
    ('7.0;9.0', "does not compile for 7.0 (TORCH_CUDA_ARCH_LIST='7.0;9.0'); it supports 7.5 8.0"),
    ('sm_90', "TORCH_CUDA_ARCH_LIST='sm_90': ['sm_90'] is not a list of compute capabilities"),
])
def test_architectures_nvcc_rejects_are_refused(machine, archs, message):
    home = fake_toolkit(machine / 'cu13')
    with pytest.raises(cuda_build.BuildError) as err:
        cuda_build.toolkit('13.0', str(home), dict(os.environ, TORCH_CUDA_ARCH_LIST=archs))
    assert message in str(err.value)


def test_cli_prints_shell_assignments_or_refuses_with_status_2(machine):
    home = fake_toolkit(machine / 'cu13')
    cmd = [sys.executable, '-I', str(REPO / 'mmdn' / 'engine' / 'cuda_build.py')]
    out = subprocess.run(cmd + ['toolkit', '13.0', '--home', str(home)], capture_output=True,
                         text=True, check=True).stdout
    assert out == f"CUDA_HOME={home}\nTORCH_CUDA_ARCH_LIST='8.0;9.0;10.0+PTX'\n"
    proc = subprocess.run(cmd + ['toolkit', '13.0', '--home', str(home)], capture_output=True,
                          text=True, env=dict(os.environ, TORCH_CUDA_ARCH_LIST='6.0'))
    assert proc.returncode == 2 and proc.stdout == ''
    assert proc.stderr.startswith('error: nvcc 13.0') and 'does not compile for 6.0' in proc.stderr


@pytest.mark.slow
def test_install_refuses_a_cpu_torch_for_cuda_before_changing_anything(machine):
    """``MMDN_CUDA=1 make install`` asking for a torch without CUDA stops at the plan: the
    environment gets no torch, no mmcv and no stamp."""
    fake_torch_wheel(machine / 'wheels', '2.13.0+cpu')
    venv = machine / 'venv'
    proc = subprocess.run(['bash', str(REPO / 'tools' / 'install.sh')], capture_output=True,
                          text=True, env=dict(os.environ, MMDN_VENV=str(venv), MMDN_CUDA='1',
                                              PYTHON=sys.executable))
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert 'error: torch==2.13.0 resolves to torch 2.13.0+cpu, a build without CUDA' in proc.stderr
    site = subprocess.run([str(venv / 'bin' / 'python'), '-m', 'pip', 'list'],
                          capture_output=True, text=True).stdout
    assert 'torch' not in site and 'mmcv' not in site
    assert not (venv / '.mmdn-install').exists()
