"""Multi-process training where the ranks see different objects (tools/dist_train.sh, 2
gloo processes): DDP needs the same collectives on every rank every step.

Rank 0 takes the even images of the set, rank 1 the odd ones (no shuffling, batch 2):
step 1 gives rank 0 two images without objects and rank 1 images with objects; step 2
gives rank 0 one object an image and rank 1 fifty (different group sizes M).
"""
import json
from pathlib import Path

import numpy as np
import pytest
import torch

from mmdn.datasets.demo_shapes import make_demo_dataset
from ..conftest import REPO, data_options, run_tool
from ..dn_models import dn_demo_configs

# Objects of each training image, by index.
COUNTS = (0, 3, 0, 5, 1, 50, 1, 50)


@pytest.fixture(scope='module')
def uneven_data(tmp_path_factory) -> Path:
    """Demo images whose training annotations have the object counts of ``COUNTS``
    (each object's mask its box)."""
    root = tmp_path_factory.mktemp('uneven')
    make_demo_dataset(str(root), seed=5, num_train=len(COUNTS), num_val=2)
    ann_file = root / 'annotations' / 'train.json'
    coco = json.loads(ann_file.read_text())
    rng = np.random.default_rng(0)
    annotations = []
    for image, count in zip(coco['images'], COUNTS):
        w, h = image['width'], image['height']
        for _ in range(count):
            bw, bh = rng.uniform(4, w / 2), rng.uniform(4, h / 2)
            x, y = rng.uniform(0, w - bw), rng.uniform(0, h - bh)
            annotations.append(dict(id=len(annotations) + 1, image_id=image['id'],
                                    category_id=int(rng.integers(1, 7)), bbox=[x, y, bw, bh],
                                    area=bw * bh, iscrowd=0,
                                    segmentation=[[x, y, x + bw, y, x + bw, y + bh, x,
                                                   y + bh]]))
    coco['annotations'] = annotations
    ann_file.write_text(json.dumps(coco))
    return root


@pytest.mark.parametrize('index, config', list(enumerate(dn_demo_configs(with_applications=True))))
def test_ranks_with_different_objects_train_in_step(uneven_data, tmp_path, index, config):
    wrapper = tmp_path / 'config.py'
    wrapper.write_text(
        f"_base_ = '{REPO / config}'\n"
        "custom_imports = dict(imports=['mmdn', 'tests.test_tools.rank_parameters_hook'],\n"
        "                      allow_failed_imports=False)\n"
        "custom_hooks = [dict(type='SaveRankParametersHook')]\n"
        "load_from = None\n")
    proc = run_tool([
        'bash', 'tools/dist_train.sh', str(wrapper), '2', '--work-dir', str(tmp_path),
        '--cfg-options', *data_options(uneven_data, num_train=len(COUNTS)),
        'train_dataloader.sampler.shuffle=False', 'train_dataloader.batch_sampler=None',
        'train_dataloader.dataset.filter_cfg.filter_empty_gt=False',
        'train_cfg.max_epochs=1', 'train_cfg.val_interval=100',
        'default_hooks.checkpoint.interval=100'
    ], env=dict(PORT=str(29600 + index)))
    assert proc.returncode == 0, proc.stderr[-3000:]
    log = next(tmp_path.glob('2*/*.log')).read_text()
    assert 'Epoch(train) [1][2/2]' in log
    # Rank 0's second step denoised its objects.
    step2 = next(line for line in log.splitlines() if 'Epoch(train) [1][2/2]' in line)
    assert 'dn_loss_cls' in step2
    params = {f'{r}_{when}': torch.load(tmp_path / f'rank{r}_{when}.pth')
              for r in (0, 1) for when in ('before', 'after')}
    assert params['0_after'].keys() == params['1_after'].keys()
    for name, value in params['0_after'].items():
        assert torch.equal(value, params['1_after'][name]), name
    changed = [n for n, v in params['0_after'].items()
               if not torch.equal(v, params['0_before'][n])]
    assert len(changed) > len(params['0_after']) // 2
