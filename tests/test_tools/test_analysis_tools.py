"""tools/analysis/browse_dataset.py, tools/analysis/analyze_logs.py and
tools/misc/print_config.py on the demo set and on logs of known values."""
import json

import mmcv
import pytest

from ..conftest import DEMO_CONFIG, data_options, run_script


def test_browse_dataset_draws_the_pipelines_output(demo_data, tmp_path):
    out = run_script(['tools/analysis/browse_dataset.py', str(DEMO_CONFIG), '--output-dir',
                      str(tmp_path), '--max-images', '3', '--cfg-options',
                      *data_options(demo_data)])
    assert out.returncode == 0, out.stderr[-2000:]
    assert '3 images drawn' in out.stdout
    train = json.loads((demo_data / 'annotations' / 'train.json').read_text())
    drawn = [line for line in out.stdout.splitlines() if ' objects, ' in line]
    assert len(drawn) == 3
    for line, image in zip(drawn, train['images'][:3]):
        name = image['file_name'].rsplit('.', 1)[0]
        objects = sum(a['image_id'] == image['id'] for a in train['annotations'])
        assert line.startswith(f'{name}: {objects} objects, ')
        w, h = (int(v) for v in line.rsplit(' ', 1)[1].split('x'))
        assert mmcv.imread(str(tmp_path / f'{name}.png')).shape == (h, w, 3)


def _write_log(run, records):
    scalars = run / '20260101_000000' / 'vis_data' / 'scalars.json'
    scalars.parent.mkdir(parents=True)
    scalars.write_text('\n'.join(json.dumps(r) for r in records) + '\n')


@pytest.fixture
def two_epoch_run(tmp_path):
    """2 epochs of 3 iterations, then a validation each epoch: known values."""
    records = []
    for epoch in (1, 2):
        for i in range(3):
            step = (epoch - 1) * 3 + i + 1
            records.append(dict(loss=10. - step, time=1. + epoch + 0.1 * i, epoch=epoch,
                                iter=step, step=step))
        records.append({'coco/bbox_mAP': 0.1 * epoch, 'time': 0.5, 'step': epoch})
    run = tmp_path / 'run'
    _write_log(run, records)
    return run


def test_cal_train_time_against_a_hand_computation(two_epoch_run):
    out = run_script(['tools/analysis/analyze_logs.py', 'cal_train_time', str(two_epoch_run)])
    assert out.returncode == 0, out.stderr
    # skip the first: epoch 1 (2.1 + 2.2) / 2 = 2.15, epoch 2 (3.0 + 3.1 + 3.2) / 3 = 3.1,
    # overall 13.6 / 5 = 2.72, std over the epoch means |3.1 - 2.15| / 2 = 0.475
    assert ('2.720 s/iter over 5 iterations (first 1 left out); slowest epoch 2 (3.100 '
            's/iter), fastest epoch 1 (2.150 s/iter), std over epochs 0.475') in out.stdout


def test_plot_curve_by_iteration_and_epoch(two_epoch_run, tmp_path):
    png = tmp_path / 'curves.png'
    out = run_script(['tools/analysis/analyze_logs.py', 'plot_curve', str(two_epoch_run),
                    '--keys', 'loss', 'coco/bbox_mAP', '--by', 'epoch', '--out', str(png)])
    assert out.returncode == 0, out.stderr
    assert 'run loss: 2 points, last 5.0000 at epoch 2' in out.stdout  # mean of 6, 5, 4
    assert 'run coco/bbox_mAP: 2 points, last 0.2000 at epoch 2' in out.stdout
    assert mmcv.imread(str(png)).shape == (600, 600, 3)  # two 6 x 3 inch panels at 100 dpi
    out = run_script(['tools/analysis/analyze_logs.py', 'plot_curve', str(two_epoch_run),
                    '--keys', 'loss', '--out', str(png)])
    assert 'run loss: 6 points, last 4.0000 at iter 6' in out.stdout
    for keys, message in [(['coco/bbox_mAP'], 'logged once an epoch'),
                          (['nope'], "no scalar 'nope'; logged: coco/bbox_mAP, loss, time")]:
        out = run_script(['tools/analysis/analyze_logs.py', 'plot_curve', str(two_epoch_run),
                        '--keys', *keys, '--out', str(png)])
        assert out.returncode != 0 and message in out.stderr


def test_print_config_resolves_bases_and_options(tmp_path):
    saved = tmp_path / 'resolved.py'
    out = run_script(['tools/misc/print_config.py', 'configs/dn_dab_detr_r50_50e.py',
                    '--cfg-options', 'model.dn_cfg.num_groups=10', '--save-path', str(saved)])
    assert out.returncode == 0, out.stderr
    assert "checkpoint='torchvision://resnet50'" in out.stdout  # from the base configs
    assert 'num_groups=10' in out.stdout and f'saved to {saved}' in out.stdout
    assert 'num_groups=10' in saved.read_text()
