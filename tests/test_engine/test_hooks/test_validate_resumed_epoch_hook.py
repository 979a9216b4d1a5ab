"""ValidateResumedEpochHook: a training stopped between an epoch's checkpoint and its
validation makes that validation when resumed, on a small model in real MMEngine runners."""
import json
from pathlib import Path
from typing import List, Optional

import pytest
import torch
from mmengine.evaluator import BaseMetric, Evaluator
from mmengine.hooks import Hook
from mmengine.model import BaseModel
from mmengine.runner import Runner
from torch.utils.data import Dataset

from mmdn.engine.hooks import ValidateResumedEpochHook
from ...conftest import process_state


class Points(Dataset):
    def __len__(self) -> int:
        return 4

    def __getitem__(self, index: int) -> dict:
        return dict(inputs=torch.tensor([float(index)]), targets=torch.tensor([2. * index]))


class Line(BaseModel):
    def __init__(self) -> None:
        super().__init__()
        self.linear = torch.nn.Linear(1, 1)

    def forward(self, inputs, targets, mode='tensor'):
        if mode == 'loss':
            return dict(loss=((self.linear(inputs) - targets) ** 2).mean())
        return [(self.linear(inputs) - targets).abs()]


class Error(BaseMetric):
    def process(self, data_batch, data_samples) -> None:
        self.results.append(float(data_samples[0].mean()))

    def compute_metrics(self, results: List[float]) -> dict:
        return dict(error=sum(results) / len(results))


class StopBeforeValidation(Hook):
    """Stops the training as a kill would: after the epoch's checkpoint, before its
    validation."""

    def __init__(self, epoch: int) -> None:
        self.epoch = epoch

    def before_val_epoch(self, runner) -> None:
        if runner.epoch == self.epoch:
            raise KeyboardInterrupt


def train(work_dir: Path, max_epochs: int, hooks: List[Hook], resume_from: Optional[Path] = None,
          val_interval: int = 2) -> List[int]:
    """Trains (or resumes from a checkpoint) in ``work_dir``; the epochs it validated."""
    with process_state():  # the runner's default scope, logger, ... are dropped after
        _train(work_dir, max_epochs, hooks, resume_from, val_interval)
    # a run that logs nothing (resumed at its last epoch, unvalidated) writes no file
    return [record['step'] for scalars in work_dir.glob('*/vis_data/scalars.json')
            for record in map(json.loads, scalars.read_text().splitlines())
            if 'error' in record]


def _train(work_dir: Path, max_epochs: int, hooks: List[Hook], resume_from: Optional[Path],
           val_interval: int) -> None:
    loader = dict(dataset=Points(), sampler=dict(type='DefaultSampler', shuffle=False),
                  batch_size=2, collate_fn=dict(type='default_collate'))
    runner = Runner(
        model=Line(), work_dir=str(work_dir), train_dataloader=loader, val_dataloader=loader,
        val_evaluator=Evaluator(Error()), optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.01)),
        train_cfg=dict(by_epoch=True, max_epochs=max_epochs, val_interval=val_interval),
        val_cfg=dict(), custom_hooks=hooks, resume=resume_from is not None,
        load_from=str(resume_from) if resume_from else None,
        default_hooks=dict(checkpoint=dict(type='CheckpointHook', interval=1)),
        visualizer=dict(type='Visualizer', name=str(work_dir),
                        vis_backends=[dict(type='LocalVisBackend')]))
    try:
        runner.train()
    except KeyboardInterrupt:
        pass


@pytest.mark.parametrize('stop, max_epochs', [(2, 4), (4, 4)])
def test_the_evaluation_a_stop_cut_is_made_on_resuming(tmp_path, stop, max_epochs):
    first = train(tmp_path / 'first', max_epochs, [StopBeforeValidation(stop)])
    assert first == ([] if stop == 2 else [2])
    checkpoint = tmp_path / 'first' / f'epoch_{stop}.pth'
    assert train(tmp_path / 'resumed', max_epochs, [ValidateResumedEpochHook()],
                 checkpoint) == list(range(stop, max_epochs + 1, 2))
    # without the hook, MMEngine resumes past it
    assert train(tmp_path / 'without', max_epochs, [], checkpoint) == \
        list(range(stop + 2, max_epochs + 1, 2))


def test_a_new_training_or_an_epoch_without_evaluation_is_left_alone(tmp_path):
    assert train(tmp_path / 'new', 3, [ValidateResumedEpochHook()]) == [2, 3]
    assert train(tmp_path / 'resumed', 5, [ValidateResumedEpochHook()],
                 tmp_path / 'new' / 'epoch_3.pth', val_interval=4) == [4, 5]
