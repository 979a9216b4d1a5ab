"""The COCO rehearsal, short form: the flagship config (one image of each kind, the dense
one with 100 objects) trains, resumes and tests through the launchers in one process
(tests/test_tools/test_flagship_coco.py runs the same config in two)."""
import re

from ..conftest import run_tool


def test_rehearsal_of_dn_dab_detr_trains_resumes_and_tests(tmp_path):
    proc = run_tool(['tools/misc/rehearse_coco.py', 'configs/dn_dab_detr_r50_50e.py',
                     '--processes', '1', '--train-images', '7', '--dense-objects', '100',
                     '--work-dir', str(tmp_path), '--port', '29640'],
                    timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    for step in ('train (epoch 1)', 'resume (epoch 2)', 'test'):
        assert f'{step}: ok' in proc.stdout
    # What it replaces, said; the ImageNet init kept, at ResNet-18.
    assert ('replaced: backbone: ResNet depth 50 (torchvision://resnet50) -> ResNet depth 18 '
            '(torchvision://resnet18), input widths') in proc.stdout
    assert 'replaced: pipelines: every resize, crop and pad size x 0.25' in proc.stdout
    config = (tmp_path / 'config' / 'dn_dab_detr_r50_50e_rehearsal.py').read_text()
    # The config's own pipeline, scaled: multi-scale resize and negative crops.
    assert 'RandomChoiceResize' in config and 'allow_negative_crop=True' in config
    assert 'depth=18' in config and 'in_channels=[\n            512,' in config
    train_log = (tmp_path / 'train.log').read_text()
    assert 'Distributed training: True' in train_log
    assert 'load model from: torchvision://resnet18' in train_log
    assert 'Epoch(train) [1][3/3]' in train_log
    resume_log = (tmp_path / 'resume.log').read_text()
    assert 'resumed epoch: 1, iter: 3' in resume_log and 'Epoch(train) [2][3/3]' in resume_log
    test_log = (tmp_path / 'test.log').read_text()
    assert re.search(r'Epoch\(test\) \[7/7\] +coco/bbox_mAP: \d', test_log)
