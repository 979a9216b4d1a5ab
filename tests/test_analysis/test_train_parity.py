"""The training-parity tool's parts that need no official checkout: the official noise
draws mapped to this repository's layout, loss names, the per-step tensor differences,
and what it refuses."""
import math
from pathlib import Path

import pytest
import torch

from mmdn.analysis.official_dn_detr import CHECKOUT_FILES, NoiseReplay, OfficialCodeError
from mmdn.analysis.train_parity import (
    SMALL_GRADIENT,
    StepRecord,
    official_loss_name,
    parity_batches,
    replayed_draws,
    run_in_lockstep,
    train_parity,
)
from mmdn.converters import COCO_CATEGORY_IDS
from ..conftest import run_tool

REPO = Path(__file__).resolve().parents[2]
TOOL = 'tools/analysis/official_train_parity.py'


def test_official_draws_land_on_the_same_objects_and_groups():
    """The official code lays the K objects of the batch out group by group (p * K + k,
    the images' objects concatenated); here per image, group and slot."""
    counts, groups = [2, 0, 1], 2  # K = 3, M = 2, an image without objects
    total = sum(counts)
    label_p = torch.arange(groups * total, dtype=torch.float) / 10  # element f: f / 10
    box_u = torch.arange(groups * total * 4, dtype=torch.float).view(-1, 4) / 100
    flipped = torch.tensor([1, 5])
    new_labels = torch.tensor([COCO_CATEGORY_IDS[7], COCO_CATEGORY_IDS[79]])
    (chance, classes), boxes = replayed_draws(
        dict(label_p=label_p, flipped=flipped, new_labels=new_labels, box_u=box_u),
        counts, groups)
    assert chance.shape == (3, groups, 2) and boxes.shape == (3, groups, 2, 4)
    # Image 0's objects are k = 0, 1; image 2's object is k = 2.
    for b, m, k in [(0, 0, 0), (0, 1, 1), (2, 0, 2)]:
        for p in range(groups):
            f = p * total + k
            assert chance[b, p, m] == label_p[f]
            torch.testing.assert_close(boxes[b, p, m], box_u[f] * 2 - 1)
    assert classes[0, 0, 1] == 7 and classes[2, 1, 0] == 79  # f = 1 and f = 5, as labels
    # Padding slots: no flip, no box noise.
    assert (chance[1] == 1).all() and (chance[2, :, 1] == 1).all()
    assert (boxes[1] == 0).all() and (boxes[2, :, 1] == 0).all()


def test_noise_replay_draws_category_ids_and_records_them():
    replay = NoiseReplay(torch.Generator().manual_seed(0), keep_first_flip=True)
    labels = torch.tensor([5, 90, 5, 90])
    replay.start_batch(labels)
    with replay:
        p = torch.rand_like(labels.float())
        chosen = torch.tensor([1, 3])
        new = torch.randint_like(chosen, 0, 91)
        u = torch.rand_like(torch.zeros(4, 4))
    assert torch.rand_like is not replay._rand_like  # restored
    draw = replay.draws[0]
    assert torch.equal(draw['label_p'], p) and torch.equal(draw['box_u'], u)
    assert new[0] == 90  # the first flip lands on its object's own class
    assert all(int(i) in COCO_CATEGORY_IDS for i in new)
    assert torch.equal(draw['flipped'], chosen) and torch.equal(draw['new_labels'], new)


def test_loss_names():
    assert official_loss_name('loss_ce') == 'loss_cls'
    assert official_loss_name('loss_giou_3') == 'd3.loss_iou'
    assert official_loss_name('tgt_loss_bbox_0') == 'd0.dn_loss_bbox'
    assert official_loss_name('tgt_loss_ce') == 'dn_loss_cls'
    for logged in ('class_error', 'cardinality_error_2', 'loss_xy', 'tgt_class_error_1'):
        assert official_loss_name(logged) is None


def test_batches_cover_padding_empty_images_and_the_border():
    batches = parity_batches(3, [(32, 48), (40, 24)])
    assert [len(x) for x in batches[0].labels] == [3, 5]
    assert len(batches[1].labels[0]) == 0
    inputs, mask = batches[0].padded()
    assert inputs.shape == (2, 3, 40, 48) and mask[0, 32:].all() and not mask[0, :32].any()
    for batch in batches:
        for boxes in batch.boxes:
            if len(boxes):
                left, right = boxes[:, 0] - boxes[:, 2] / 2, boxes[:, 0] + boxes[:, 2] / 2
                assert left[0].abs() < 1e-6 and (right[-1] - 1).abs() < 1e-6


@pytest.fixture(scope='module')
def fake_checkout(tmp_path_factory) -> Path:
    """A folder with a checkout's files (empty): enough to pass the checkout check."""
    root = tmp_path_factory.mktemp('dn_detr')
    for name in CHECKOUT_FILES:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).touch()
    return root


@pytest.mark.parametrize('case,message', [
    ('not_a_checkout', 'is not a DN-DETR checkout .*: main.py is missing'),
    ('family', "has no family 'dn_dino'"),
    ('config', "not official dn_dab_detr_r50: type 'DNDeformableDETR'"),
])
def test_bad_input_is_refused_before_anything_runs(case, message, fake_checkout, tmp_path):
    root = tmp_path if case == 'not_a_checkout' else fake_checkout
    family = 'dn_dino' if case == 'family' else 'dn_dab_detr_r50'
    config = REPO / 'configs/dn_deformable_detr_r50_50e.py' if case == 'config' else None
    with pytest.raises(OfficialCodeError, match=message):
        train_parity(root, family, config)


def test_the_tool_refuses_writing_nothing(tmp_path):
    out = tmp_path / 'table.md'
    result = run_tool([TOOL, str(tmp_path), '--out', str(out)])
    assert result.returncode == 1 and 'is not a DN-DETR checkout' in result.stderr
    assert not out.exists()


def step_record(grads, updates, scale=1.):
    """A StepRecord with these gradients and updates (times ``scale``), parameters of
    norm 10."""
    return StepRecord(torch.zeros(1, 1, 1, dtype=torch.long), dict(loss_cls=1.),
                      {k: v * scale for k, v in grads.items()},
                      math.sqrt(sum(float(v.pow(2).sum()) for v in grads.values())),
                      {k: v * scale for k, v in updates.items()}, dict.fromkeys(updates, 10.))


class FakeTrainer:
    """What run_in_lockstep uses of a trainer; step i records ``records[i]``."""

    def __init__(self, records):
        self.records, self.settings, self.loaded = list(records), {}, 0

    def step(self, batch, draw=None):
        inputs = (torch.zeros(1, 2, 3), torch.zeros(1, 2, 4))
        record = self.records.pop(0)
        return (record, inputs, {}) if draw is None else (record, inputs)

    def params(self):
        return {}

    def adam_state(self):
        return {}, {}, 0.

    def load(self, params, adam):
        self.loaded += 1


def test_lockstep_reduces_each_step_to_numbers_and_drops_its_tensors():
    """Gradients at least SMALL_GRADIENT of the total norm are judged relative to their
    own norm, smaller ones relative to that floor; updates and parameters relative to
    the official update and parameter norm; every step's tensors are dropped."""
    grads = dict(big=torch.tensor([3., 4.]), tiny=torch.tensor([1e-7, 0.]))
    updates = dict(big=torch.tensor([0., 2.]), tiny=torch.tensor([1., 0.]))
    official = FakeTrainer([step_record(grads, updates), step_record(grads, updates)])
    ours = FakeTrainer([step_record(grads, updates, 1.01),
                        step_record(dict(grads, extra=torch.ones(1)), updates)])
    *runs, diffs = run_in_lockstep(official, ours, [None, None])
    assert ours.loaded == 2 and len(diffs) == 2
    assert all(not s.grads and not s.updates for run in runs for s in run.steps)
    first, second = diffs
    assert first.count == 2 and not first.only and second.only == {'extra'}
    (diff, rel, where), = first.grads
    assert where == 'big, step 0' and diff == pytest.approx(0.05) and rel == pytest.approx(0.01)
    (diff, rel, where), = first.small
    floor = SMALL_GRADIENT * 5.
    assert where == 'tiny, step 0' and rel == pytest.approx(1e-9 / floor, rel=1e-4)
    (_, rel, where), = first.updates
    assert where == 'big, step 0' and rel == pytest.approx(0.01)
    assert [(round(d, 6), round(r, 6), w) for d, r, w in first.params] == [
        (0.02, 0.002, 'big, step 0'), (0.01, 0.001, 'tiny, step 0')]
    assert all(d == 0 for d, _, _ in second.grads + second.small + second.params)
