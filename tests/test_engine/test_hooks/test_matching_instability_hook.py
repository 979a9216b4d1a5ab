import json
import re

import pytest
import torch

from mmdn.engine.hooks import instability
from mmdn.engine.hooks.matching_instability_hook import UNSEEN
from ...conftest import DEMO_CONFIG, data_options, run_script, run_tool


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


@pytest.mark.slow
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
        proc = run_script(['tools/train.py', str(config), '--work-dir', str(tmp_path),
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


@pytest.mark.slow
def test_a_resumed_training_logs_is_from_its_first_epoch(demo_data, tmp_path):
    """Two epochs, then a resumption to three: IS of epoch 3 against the checkpoint's
    epoch-2 vectors. A new training started from that checkpoint (``load_from``) has no
    previous epoch: nothing for its epoch 1."""
    config = tmp_path / 'with_hook.py'
    config.write_text(f"_base_ = '{DEMO_CONFIG}'\n"
                      "custom_hooks = [dict(type='MatchingInstabilityHook')]\n")
    options = [*data_options(demo_data, num_train=8), 'train_cfg.val_interval=100',
               'default_hooks.checkpoint.interval=1']
    work = tmp_path / 'run'
    for epochs, resume in ((2, []), (3, ['--resume'])):
        proc = run_script(['tools/train.py', str(config), '--work-dir', str(work), *resume,
                           '--cfg-options', *options, f'train_cfg.max_epochs={epochs}'])
        assert proc.returncode == 0, proc.stderr[-3000:]
    first, resumed = (path.read_text() for path in sorted(work.glob('2*/2*.log')))
    assert 'Epoch 2: matching' in first and 'Epoch 3: matching' not in first
    assert re.search(r'Epoch 3: matching instability \(Eq. 2\) [\d.]+ over 8 images', resumed)
    assert 'Epoch 2: matching' not in resumed  # epoch 2 was not trained again
    vectors = torch.load(work / 'epoch_3.pth', weights_only=False)['matching_instability']
    assert vectors['epoch'] == 3 and len(vectors['vectors']) == 8
    fresh = tmp_path / 'fresh'
    proc = run_script(['tools/train.py', str(config), '--work-dir', str(fresh),
                       '--cfg-options', *options, 'train_cfg.max_epochs=2',
                       f"load_from={work / 'epoch_3.pth'}"])
    assert proc.returncode == 0, proc.stderr[-3000:]
    log = next(fresh.glob('2*/2*.log')).read_text()
    assert 'Epoch 1: matching' not in log and 'Epoch 2: matching' in log


def _build(config, **model_options):
    from ...test_models.utils import build_config_model
    model = build_config_model(config, **model_options)
    model.train()
    return model


def _loss_assignments(monkeypatch, head):
    """Every assignment the loss makes, in call order (recorded by the test)."""
    calls = []
    assign = head.assigner.assign

    def recording(*args, **kwargs):
        result = assign(*args, **kwargs)
        calls.append(result.gt_inds - 1)
        return result

    monkeypatch.setattr(head.assigner, 'assign', recording)
    return calls


@pytest.mark.parametrize('config', ['configs/demo/dn_dab_detr_r18_demo.py',
                                    'configs/demo/dab_detr_r18_demo.py'])
def test_hook_records_the_last_layer_assignment_of_each_image(config, monkeypatch):
    """One int16 vector of the L matching queries per image: the assignment of the
    loss's last decoder layer (DN head: its report; baseline head: a forward hook)."""
    from types import SimpleNamespace

    from mmdn.engine.hooks import MatchingInstabilityHook
    from ...test_models.test_detectors.test_dn_detector_mixin import make_batch
    model = _build(config)
    runner = SimpleNamespace(model=model, epoch=0)
    hook = MatchingInstabilityHook()
    hook.before_train(runner)
    calls = _loss_assignments(monkeypatch, model.bbox_head)
    inputs, samples = make_batch([3, 2])
    model(inputs, samples, mode='loss')  # 3 decoder layers x 2 images of assignments
    # The loss's 3 layers x 2 images and the hook's own 2: after the loss's for a DN head
    # (its report), before them for a baseline head (its forward, in the loss).
    assert len(calls) == 8 and len(hook._current) == 2
    last_layer = 4 if 'dn_' in config else 6
    for image, n in enumerate((3, 2)):
        vector = hook._current[(image, None)]
        assert vector.shape == (30, ) and vector.dtype == torch.int16  # matching only
        assert sorted(vector[vector >= 0].tolist()) == list(range(n))  # each object once
        assert torch.equal(vector, calls[last_layer + image].clamp(min=-1).to(torch.int16))
    with torch.no_grad():  # validation adds nothing
        model.eval()
        model(inputs, samples, mode='predict')
    assert len(hook._current) == 2
    hook.after_train(runner)
    assert model.bbox_head.matching_observer is None if hasattr(
        model.bbox_head, 'matching_observer') else True
    model.train()
    model(inputs, samples, mode='loss')  # detached: nothing more recorded
    assert len(hook._current) == 2


@pytest.mark.parametrize('config', ['configs/demo/dn_group_dab_detr_r18_demo.py',
                                    'configs/demo/group_dab_detr_r18_demo.py'])
def test_hook_records_the_first_query_group(config, monkeypatch):
    """Group DETR: the first of the K = 3 groups, as the loss assigned it on its own."""
    from types import SimpleNamespace

    from mmdn.engine.hooks import MatchingInstabilityHook
    from ...test_models.test_detectors.test_dn_detector_mixin import make_batch
    model = _build(config)
    hook = MatchingInstabilityHook()
    hook.before_train(SimpleNamespace(model=model, epoch=0))
    calls = _loss_assignments(monkeypatch, model.bbox_head)
    inputs, samples = make_batch([3, 2])
    model(inputs, samples, mode='loss')
    # The loss's 3 layers x (2 images x 3 groups), image-major, and the hook's 2 (after
    # the loss's for a DN head, before them for a baseline head).
    assert len(calls) == 20
    last_layer = 12 if 'dn_' in config else 14
    for image in range(2):
        assert torch.equal(hook._current[(image, None)],
                           calls[last_layer + 3 * image].clamp(min=-1).to(torch.int16))
        assert hook._current[(image, None)].shape == (30, )


def test_hook_records_each_known_label_item(monkeypatch):
    """Known-label training matches each (image, class) item on its own: one vector
    each, equal to that item's last-layer assignment."""
    from types import SimpleNamespace

    from mmdn.engine.hooks import MatchingInstabilityHook
    from ...test_models.test_detectors.test_known_label_dn_dab_detr import batch
    model = _build('configs/demo/dn_dab_detr_r18_demo.py', type='KnownLabelDNDABDETR')
    hook = MatchingInstabilityHook()
    hook.before_train(SimpleNamespace(model=model, epoch=0))
    calls = _loss_assignments(monkeypatch, model.bbox_head)
    inputs, samples = batch([[3, 0, 3], [5]])
    model.loss(inputs, samples)
    assert len(calls) == 12  # the loss's 3 layers x 3 items, then the hook's 3
    assert sorted(hook._current) == [(0, 0), (0, 3), (1, 5)]
    for item, key in enumerate([(0, 0), (0, 3), (1, 5)]):
        assert torch.equal(hook._current[key], calls[6 + item].clamp(min=-1).to(torch.int16))
    assert sorted(hook._current[(0, 3)][hook._current[(0, 3)] >= 0].tolist()) == [0, 1]
    hook._current = {}
    model.loss(*batch([[], []]))  # the placeholder item of a batch without objects
    assert hook._current == {}


def test_hook_needs_a_detr_like_model():
    from types import SimpleNamespace

    from mmdn.engine.hooks import MatchingInstabilityHook
    runner = SimpleNamespace(model=torch.nn.Linear(2, 2), epoch=0)
    with pytest.raises(TypeError, match='needs a DETR-like model'):
        MatchingInstabilityHook().before_train(runner)
