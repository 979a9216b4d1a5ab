"""The shell launchers: the project's environment without activating it, and the slurm
scripts with mmdn's arguments through a stand-in ``srun`` (2 tasks, gloo) on PATH."""
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from ..conftest import DEMO_CONFIG, REPO, data_options, run_tool

SRUN = r'''#!/usr/bin/env bash
# Stand-in srun: records its arguments, then runs the command as --ntasks local tasks with
# srun's SLURM_* variables.
printf '%s\n' "$@" > "$SRUN_RECORD"
ntasks=1
while [[ $1 == -* ]]; do
  case $1 in --ntasks=*) ntasks=${1#*=} ;; -p) shift ;; esac
  shift
done
pids=()
for ((i = 0; i < ntasks; i++)); do
  SLURM_PROCID=$i SLURM_LOCALID=$i SLURM_NTASKS=$ntasks SLURM_NODELIST=node-[1] "$@" &
  pids+=($!)
done
rc=0
for pid in "${pids[@]}"; do wait "$pid" || rc=$?; done
exit $rc
'''
SCONTROL = '''#!/usr/bin/env bash
[[ "$*" == "show hostname node-[1]" ]] && echo 127.0.0.1
'''


def _executable(path: Path, text: str) -> Path:
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return path


def test_launchers_take_the_project_environment(tmp_path):
    def chosen(**env):
        out = subprocess.run(['bash', '-c', f'source {REPO}/tools/project_python.sh; '
                              'echo "$python"'], capture_output=True, text=True,
                             env={'PATH': os.environ['PATH'], **env})
        return out.stdout.strip()

    venv = tmp_path / 'venv'
    _executable((venv / 'bin').mkdir(parents=True) or venv / 'bin' / 'python', '')
    assert chosen(MMDN_VENV=str(venv)) == f'{venv}/bin/python'
    # An MMDN_VENV that does not exist: the repo's .venv, else the python on PATH.
    repo_venv = REPO / '.venv' / 'bin' / 'python'
    fallback = chosen(MMDN_VENV=str(tmp_path / 'absent'))
    if repo_venv.exists():
        assert Path(fallback).resolve() == repo_venv.resolve()
    else:
        assert fallback == 'python'


@pytest.fixture
def slurm_path(tmp_path) -> dict:
    bin_dir = tmp_path / 'bin'
    bin_dir.mkdir()
    _executable(bin_dir / 'srun', SRUN)
    _executable(bin_dir / 'scontrol', SCONTROL)
    return {'PATH': f'{bin_dir}{os.pathsep}{os.environ["PATH"]}', 'GPUS': '2',
            'GPUS_PER_NODE': '2', 'CPUS_PER_TASK': '1', 'SRUN_ARGS': '--quotas=auto --time=5',
            'SRUN_RECORD': str(tmp_path / 'srun_args'), 'MASTER_PORT': '29561'}


def _srun_args(env: dict) -> list:
    return Path(env['SRUN_RECORD']).read_text().splitlines()


def test_slurm_train_and_test(slurm_path, demo_data, tmp_path):
    work_dir = tmp_path / 'work'
    proc = run_tool(['bash', 'tools/slurm_train.sh', 'gpu-partition', 'dn-job', str(DEMO_CONFIG),
                     str(work_dir), '--cfg-options', *data_options(demo_data, num_train=8),
                     'train_cfg.max_epochs=1', 'train_cfg.val_interval=100'], env=slurm_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    python = _srun_args(slurm_path)[10]
    assert _srun_args(slurm_path) == [
        '-p', 'gpu-partition', '--job-name=dn-job', '--gres=gpu:2', '--ntasks=2',
        '--ntasks-per-node=2', '--cpus-per-task=1', '--kill-on-bad-exit=1', '--quotas=auto',
        '--time=5', python, '-u', str(REPO / 'tools' / 'train.py'), str(DEMO_CONFIG),
        f'--work-dir={work_dir}', '--launcher=slurm', '--cfg-options',
        *data_options(demo_data, num_train=8), 'train_cfg.max_epochs=1',
        'train_cfg.val_interval=100']
    assert Path(python).resolve() == Path(sys.executable).resolve()
    log = next(work_dir.glob('2*/*.log')).read_text()
    # 8 images, 2 a batch, over 2 tasks: 2 iterations each.
    assert 'Distributed training: True' in log and 'GPU number: 2' in log
    assert 'Epoch(train) [1][2/2]' in log

    slurm_path['MASTER_PORT'] = '29562'
    proc = run_tool(['bash', 'tools/slurm_test.sh', 'gpu-partition', 'dn-test', str(DEMO_CONFIG),
                     str(work_dir / 'epoch_1.pth'), '--work-dir', str(tmp_path / 'test'),
                     '--cfg-options', *data_options(demo_data)], env=slurm_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert _srun_args(slurm_path)[:16] == [
        '-p', 'gpu-partition', '--job-name=dn-test', '--gres=gpu:2', '--ntasks=2',
        '--ntasks-per-node=2', '--cpus-per-task=1', '--kill-on-bad-exit=1', '--quotas=auto',
        '--time=5', python, '-u', str(REPO / 'tools' / 'test.py'), str(DEMO_CONFIG),
        str(work_dir / 'epoch_1.pth'), '--launcher=slurm']
    metrics = json.loads(next((tmp_path / 'test').glob('2*/*.json')).read_text())
    assert 'coco/bbox_mAP' in metrics
