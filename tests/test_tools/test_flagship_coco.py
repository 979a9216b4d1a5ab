"""The flagship job as a user types it: a set in COCO's tree under ``data/coco``, then
``tools/dist_train.sh configs/dn_dab_detr_r50_50e.py 2`` with only the schedule and the
logging shortened, then ``tools/dist_test.sh`` on its checkpoint. The model, its
pipeline, its image sizes and its ImageNet initialisation (from the stand-in cache) stay
as the config has them; 2 gloo processes."""
import torch
from mmengine.config import Config

from ..conftest import REPO, run_script, run_tool

CONFIG = REPO / 'configs' / 'dn_dab_detr_r50_50e.py'


def test_flagship_train_and_test_as_typed(tmp_path, pretrained_cache):
    # 4 training images: one step a process.
    out = run_script(['tools/misc/make_coco_rehearsal_set.py', str(tmp_path / 'data/coco'),
                      '--train-images', '4'])
    assert out.returncode == 0, out.stderr
    assert {p.name for p in (tmp_path / 'data/coco').iterdir()} == {
        'annotations', 'train2017', 'val2017'}

    env = {'PORT': '29831'}
    out = run_tool(['bash', str(REPO / 'tools/dist_train.sh'), str(CONFIG), '2',
                    '--cfg-options', 'train_cfg.max_epochs=1', 'default_hooks.logger.interval=1'],
                   env=env, cwd=tmp_path, timeout=900)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    work_dir = tmp_path / 'work_dirs' / 'dn_dab_detr_r50_50e'
    log = out.stdout + out.stderr
    assert 'load model from: torchvision://resnet50' in log
    assert 'Epoch(train) [1][1/1]' in log and 'dn_loss_cls' in log  # 4 images, 2 x 2 a step
    # The run's model is the config's, unchanged.
    assert Config.fromfile(work_dir / 'dn_dab_detr_r50_50e.py').model.to_dict() == \
        Config.fromfile(CONFIG).model.to_dict()
    # The frozen stem and first stage still hold the ImageNet file's tensors.
    state = torch.load(work_dir / 'epoch_1.pth', map_location='cpu')['state_dict']
    imagenet = torch.load(pretrained_cache['resnet50'])
    frozen = [k for k in imagenet if k.startswith(('conv1.', 'bn1.', 'layer1.'))]
    assert len(frozen) > 30
    assert all(torch.equal(state[f'backbone.{k}'], imagenet[k]) for k in frozen)

    out = run_tool(['bash', str(REPO / 'tools/dist_test.sh'), str(CONFIG),
                    str(work_dir / 'epoch_1.pth'), '2'], env=env, cwd=tmp_path, timeout=600)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    assert 'coco/bbox_mAP: ' in out.stdout + out.stderr
