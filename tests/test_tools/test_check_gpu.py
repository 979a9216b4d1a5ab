"""tools/misc/check_gpu.py end to end: its refusal without CUDA, and every check of its
CPU mode on the flagship pair, whose launcher row is the COCO rehearsal (short form: one
image of each kind, the dense one with 100 objects) training, resuming and testing
through the launchers in one process (tests/test_tools/test_flagship_coco.py runs the
same config in two)."""
import re

import pytest

from ..conftest import run_tool


def test_refuses_without_cuda_and_writes_nothing(tmp_path):
    proc = run_tool(['tools/misc/check_gpu.py', '--work-dir', str(tmp_path / 'out')])
    assert proc.returncode == 2 and proc.stdout == ''
    assert proc.stderr.startswith('error: no CUDA device: torch ')
    assert 'with --device cpu for the small CPU version' in proc.stderr
    assert not (tmp_path / 'out').exists()


@pytest.mark.slow
def test_cpu_mode_runs_every_check_of_the_flagship_pair(tmp_path):
    proc = run_tool(['tools/misc/check_gpu.py', '--device', 'cpu', '--pairs',
                     'dn_dab_detr_r50_50e', '--work-dir', str(tmp_path)], timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    lines = proc.stdout.splitlines()
    assert lines[0].startswith('CPU; torch ') and 'mmcv 2.1.0 (ops built for CUDA' in lines[0]
    rows = [line.split(' | ') for line in lines if line.startswith('| ') and '---' not in line]
    assert [(r[0].lstrip('| '), r[1], r[3].rstrip(' |')) for r in rows[1:]] == [
        ('deformable attention, PyTorch path vs PyTorch path in float32', 'float32', 'ok'),
        ('deformable attention, PyTorch path vs PyTorch path in float32', 'float16', 'ok'),
        ('deformable attention, PyTorch path vs PyTorch path in float32', 'bfloat16', 'info'),
        ('train step dab_detr_r50_50e / dn_dab_detr_r50_50e', 'float32', 'ok'),
        ('train step dab_detr_r50_50e / dn_dab_detr_r50_50e', 'bfloat16 (--amp)', 'ok'),
        ('dab_detr_r50_50e / dn_dab_detr_r50_50e', 'train step, median of 1', 'info'),
        ('dab_detr_r50_50e / dn_dab_detr_r50_50e', 'train GFLOPs / image', 'info'),
        ('dn_dab_detr_r50_50e: dist_train.sh, resume, dist_test.sh', '1 process', 'ok')]
    assert re.fullmatch(r'loss [\d.]+ / [\d.]+, [\d.]+ / [\d.]+ s \([\d.]+x\)', rows[4][2])
    assert re.fullmatch(r'[\d.]+ / [\d.]+ s \([\d.]+x\)', rows[6][2])
    gflops = re.fullmatch(r'([\d.]+) / ([\d.]+) \(\+([\d.]+) %\)', rows[7][2])
    assert float(gflops[2]) > float(gflops[1])  # the denoising queries
    assert re.fullmatch(r'passed in \d+ s, test bbox mAP [\d.]+', rows[8][2])
    assert lines[-1] == '5 ok, 0 failed, 3 for information'

    # The launcher row: tools/misc/rehearse_coco.py, in its own folder.
    work = tmp_path / 'rehearsal'
    rehearsal = (work / 'rehearse_coco.log').read_text()
    for step in ('train (epoch 1)', 'resume (epoch 2)', 'test'):
        assert f'{step}: ok' in rehearsal
    # What it replaces, said; the ImageNet init kept, at ResNet-18.
    assert ('replaced: backbone: ResNet depth 50 (torchvision://resnet50) -> ResNet depth 18 '
            '(torchvision://resnet18), input widths') in rehearsal
    assert 'replaced: pipelines: every resize, crop and pad size x 0.25' in rehearsal
    config = (work / 'config' / 'dn_dab_detr_r50_50e_rehearsal.py').read_text()
    # The config's own pipeline, scaled: multi-scale resize and negative crops.
    assert 'RandomChoiceResize' in config and 'allow_negative_crop=True' in config
    assert 'depth=18' in config and 'in_channels=[\n            512,' in config
    train_log = (work / 'train.log').read_text()
    assert 'Distributed training: True' in train_log
    assert 'load model from: torchvision://resnet18' in train_log
    assert 'Epoch(train) [1][3/3]' in train_log
    resume_log = (work / 'resume.log').read_text()
    assert 'resumed epoch: 1, iter: 3' in resume_log and 'Epoch(train) [2][3/3]' in resume_log
    test_log = (work / 'test.log').read_text()
    assert re.search(r'Epoch\(test\) \[7/7\] +coco/bbox_mAP: \d', test_log)
