"""End-to-end runs of tools/train.py, tools/test.py and tools/dist_train.sh on the demo
config with a tiny dataset (a few iterations each)."""
import json
import re

import mmcv
import pytest

from ..conftest import DEMO_CONFIG, data_options, run_script, run_tool

COCO_KEYS = ('coco/bbox_mAP', 'coco/bbox_mAP_50', 'coco/bbox_mAP_75', 'coco/bbox_mAP_s',
             'coco/bbox_mAP_m', 'coco/bbox_mAP_l')


def _train(work_dir, root, *extra, max_epochs=1):
    return run_script(['tools/train.py', str(DEMO_CONFIG), '--work-dir', str(work_dir),
                       *extra, '--cfg-options', *data_options(root),
                       f'train_cfg.max_epochs={max_epochs}', 'train_cfg.val_interval=100'])


@pytest.fixture(scope='module')
def trained(demo_data, tmp_path_factory):
    """Two iterations (4 images, batch 2) of the demo config; its work dir."""
    work_dir = tmp_path_factory.mktemp('train')
    proc = _train(work_dir, demo_data)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return work_dir


def test_train_saves_a_checkpoint_after_two_iterations(trained):
    assert (trained / 'epoch_1.pth').is_file()
    log = next(trained.glob('2*/*.log')).read_text()
    assert 'Epoch(train) [1][2/2]' in log and '[1][3/2]' not in log


def test_resume_continues_from_the_checkpoint(trained, demo_data, tmp_path):
    work_dir = tmp_path / 'resumed'
    proc = _train(work_dir, demo_data, '--resume', str(trained / 'epoch_1.pth'),
                  max_epochs=2)
    assert proc.returncode == 0, proc.stderr[-3000:]
    log = next(work_dir.glob('2*/*.log')).read_text()
    assert 'resumed epoch: 1, iter: 2' in log
    assert 'Epoch(train) [2][2/2]' in log and 'Epoch(train) [1]' not in log
    assert (work_dir / 'epoch_2.pth').is_file()


def test_test_tool_prints_coco_metrics_and_dumps_predictions(trained, demo_data, tmp_path):
    out = tmp_path / 'preds.pkl'
    proc = run_script(['tools/test.py', str(DEMO_CONFIG), str(trained / 'epoch_1.pth'),
                       '--work-dir', str(tmp_path), '--out', str(out), '--show-dir', 'vis',
                       '--cfg-options', *data_options(demo_data)])
    assert proc.returncode == 0, proc.stderr[-3000:]
    for key in COCO_KEYS:  # -1 for an area range without objects (COCO's convention)
        assert re.search(rf'{key}: -?\d\.\d{{4}}', proc.stdout + proc.stderr), key
    metrics = json.loads(next(tmp_path.glob('2*/*.json')).read_text())
    assert set(COCO_KEYS) <= set(metrics)
    assert out.stat().st_size > 0
    drawn = sorted(tmp_path.glob('2*/vis/*.png'))
    assert len(drawn) == 8
    # ground truth on the left, predictions on the right, each at the image's size
    val = json.loads((demo_data / 'annotations' / 'val.json').read_text())
    size = {img['file_name']: (img['height'], img['width']) for img in val['images']}
    for path in drawn:
        h, w = size[path.name]
        assert mmcv.imread(str(path)).shape == (h, 2 * w, 3), path.name


def test_dist_train_with_two_cpu_processes(demo_data, tmp_path):
    proc = run_tool(['bash', 'tools/dist_train.sh', str(DEMO_CONFIG), '2', '--work-dir',
                     str(tmp_path), '--cfg-options', *data_options(demo_data, num_train=8),
                     'train_cfg.max_epochs=1', 'train_cfg.val_interval=100'],
                    env=dict(PORT='29541'))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    log = next(tmp_path.glob('2*/*.log')).read_text()
    # 8 images, 2 per batch, split over 2 processes: 2 iterations each.
    assert 'Distributed training: True' in log and 'GPU number: 2' in log
    assert 'Epoch(train) [1][2/2]' in log
    assert [p.name for p in tmp_path.glob('*.pth')] == ['epoch_1.pth']


def test_dist_test_with_two_cpu_processes(trained, demo_data, tmp_path):
    proc = run_tool(['bash', 'tools/dist_test.sh', str(DEMO_CONFIG),
                     str(trained / 'epoch_1.pth'), '2', '--work-dir', str(tmp_path),
                     '--cfg-options', *data_options(demo_data)],
                    env=dict(PORT='29542'))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    metrics = json.loads(next(tmp_path.glob('2*/*.json')).read_text())
    assert set(COCO_KEYS) <= set(metrics)


@pytest.mark.parametrize('config', ['group_dab_detr_r18_demo.py',
                                    'dn_group_dab_detr_r18_demo.py',
                                    'sam_detr_pp_r18_demo.py', 'dn_sam_detr_pp_r18_demo.py',
                                    'mask2former_r18_demo.py', 'dn_mask2former_r18_demo.py',
                                    'mask_dino_r18_demo.py'])
def test_table3_pairs_train_and_test_from_their_checkpoint(config, demo_data, tmp_path):
    """Group-DAB-DETR (K groups in training, one at test), SAM-DETR++, Mask2Former and
    Mask DINO (box and mask metrics) through the real tools."""
    config = DEMO_CONFIG.parent / config
    proc = run_script(['tools/train.py', str(config), '--work-dir', str(tmp_path),
                       '--cfg-options', *data_options(demo_data), 'train_cfg.max_epochs=1',
                       'train_cfg.val_interval=100'])
    assert proc.returncode == 0, proc.stderr[-3000:]
    proc = run_script(['tools/test.py', str(config), str(tmp_path / 'epoch_1.pth'),
                       '--work-dir', str(tmp_path), '--cfg-options', *data_options(demo_data)])
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert re.search(r'coco/bbox_mAP: \d\.\d{4}', proc.stdout + proc.stderr)
    if 'mask' in config.name:
        assert re.search(r'coco/segm_mAP: \d\.\d{4}', proc.stdout + proc.stderr)
