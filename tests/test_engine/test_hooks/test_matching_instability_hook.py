import json
import re

import pytest
import torch

from mmdn.engine.hooks import instability
from mmdn.engine.hooks.matching_instability_hook import UNSEEN

from ...conftest import DEMO_CONFIG, data_options, run_tool


def test_instability_counts_changed_matches_per_image():
    # Image 0: query 1 switches from object 0 to 1, query 2 loses its match: IS 2.
    # Image 1: the same matches: IS 0. Image 2: not trained on last epoch: left out.
    previous = torch.tensor([[-1, 0, 1, -1], [2, -1, -1, 0], [UNSEEN] * 4],
                            dtype=torch.int16)
    current = torch.tensor([[-1, 1, -1, -1], [2, -1, -1, 0], [0, -1, -1, -1]],
                           dtype=torch.int16)
    assert instability(previous, current).tolist() == [2., 0.]
    # An image whose object count changed (a crop): every changed query counts.
    previous[1] = torch.tensor([2, -1, 1, 0])
    assert instability(previous, current).tolist() == [2., 1.]


def test_instability_is_at_most_twice_the_objects():
    torch.manual_seed(0)
    for num_objects in (1, 3, 7):
        tables = []
        for _ in range(2):
            table = torch.full((50, 30), -1, dtype=torch.int16)
            for row in table:
                row[torch.randperm(30)[:num_objects]] = torch.arange(num_objects,
                                                                     dtype=torch.int16)
            tables.append(table)
        per_image = instability(*tables)
        assert len(per_image) == 50 and 0 < per_image.mean() and per_image.max() <= 2 * num_objects


def test_no_image_in_both_epochs():
    assert len(instability(torch.full((2, 3), UNSEEN), torch.zeros(2, 3))) == 0


def _scalars(work_dir):
    lines = next(work_dir.glob('2*/vis_data/scalars.json')).read_text().splitlines()
    return [json.loads(line) for line in lines if 'matching_instability' in line]


@pytest.mark.parametrize('processes', [1, 2])
def test_hook_logs_is_each_epoch_from_the_loss_assignments(demo_data, tmp_path, processes):
    """Three epochs on 8 images: IS of epochs 2 and 3, in the log and the scalars, with the
    rows of both ranks gathered when distributed."""
    config = tmp_path / 'with_hook.py'
    config.write_text(f"_base_ = '{DEMO_CONFIG}'\n"
                      "custom_hooks = [dict(type='MatchingInstabilityHook')]\n")
    options = ['--cfg-options', *data_options(demo_data, num_train=8),
               'train_cfg.max_epochs=3', 'train_cfg.val_interval=100']
    if processes == 1:
        proc = run_tool(['tools/train.py', str(config), '--work-dir', str(tmp_path),
                         *options])
    else:
        proc = run_tool(['bash', 'tools/dist_train.sh', str(config), '2', '--work-dir',
                         str(tmp_path), *options], env=dict(PORT='29543'))
    assert proc.returncode == 0, proc.stderr[-3000:]
    log = next(tmp_path.glob('2*/*.log')).read_text()
    # Every image of the 8, trained on by either rank, in both epochs.
    assert re.search(r'Epoch 2: matching instability \(Eq. 2\) [\d.]+ over 8 images', log)
    assert 'Epoch 3: matching' in log
    assert 'Epoch 1: matching' not in log
    values = {s['step']: s['matching_instability'] for s in _scalars(tmp_path)}
    assert set(values) == {2, 3}
    # At most twice the largest object count of the demo (10 objects an image).
    assert all(0 <= v <= 20 for v in values.values())


class _Images:
    """A stand-in training set: image i has img_id i."""

    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def get_data_info(self, i):
        return dict(img_id=i)


def test_hook_records_one_matching_vector_per_image_from_the_last_layer():
    from types import SimpleNamespace

    from mmengine.config import Config

    from mmdet.registry import MODELS
    from mmdn.engine.hooks import MatchingInstabilityHook

    from ...test_models.test_detectors.test_dn_detector_mixin import REPO, make_batch
    cfg = Config.fromfile(REPO / 'configs/demo/dn_dab_detr_r18_demo.py')
    model = MODELS.build(cfg.model)
    model.train()
    runner = SimpleNamespace(model=model, train_dataloader=SimpleNamespace(dataset=_Images(2)))
    hook = MatchingInstabilityHook()
    hook.before_train(runner)
    inputs, samples = make_batch([3, 2])
    hook.before_train_iter(runner, 0, dict(data_samples=samples))
    model.loss(inputs, samples)  # 3 decoder layers x 2 images of assignments
    assert len(hook._records) == 2
    hook.after_train_iter(runner, 0)
    table = hook._current
    assert table.shape == (2, 30) and table.dtype == torch.int16  # matching queries only
    for row, n in zip(table, (3, 2)):
        assert sorted(row[row >= 0].tolist()) == list(range(n))  # each object once
    hook.after_train(runner)
    assert 'assign' not in vars(model.bbox_head.assigner)  # put back


def test_hook_needs_a_detr_like_model():
    from types import SimpleNamespace

    from mmdn.engine.hooks import MatchingInstabilityHook
    runner = SimpleNamespace(model=torch.nn.Linear(2, 2))
    with pytest.raises(TypeError, match='needs a DETR-like model'):
        MatchingInstabilityHook().before_train(runner)
