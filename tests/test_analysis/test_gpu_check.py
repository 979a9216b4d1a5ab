"""The GPU acceptance check's comparisons and verdicts, on the CPU."""
import math

import pytest
import torch
from mmcv.ops import multi_scale_deform_attn

from mmdn.analysis import gpu_check

SIZE = gpu_check.CPU_SIZE


def test_attention_rows_compare_each_precision_with_float32():
    rows = gpu_check.deformable_attention_rows('cpu', SIZE)
    assert [(r.setting, r.verdict) for r in rows] == [
        ('float32', 'ok'), ('float16', 'ok'), ('bfloat16', 'info')]
    assert rows[0].check == 'deformable attention, PyTorch path vs PyTorch path in float32'
    # The same path in float32 on the same inputs: no difference at all.
    assert rows[0].result == ', '.join(f'{q} 0.0e+00 (<= 1e-04)' for q in gpu_check.QUANTITIES)


@pytest.fixture
def wrong_in_half(monkeypatch):
    """mmcv's PyTorch path, off by ``offset`` (or failing) when it computes in float16."""
    right = multi_scale_deform_attn.multi_scale_deformable_attn_pytorch

    def install(offset=0., error=None):
        def path(value, *args):
            if value.dtype == torch.float16 and error:
                raise RuntimeError(error)
            return right(value, *args) + (offset if value.dtype == torch.float16 else 0.)
        monkeypatch.setattr(multi_scale_deform_attn, 'multi_scale_deformable_attn_pytorch', path)
    return install


def test_attention_rows_fail_a_kernel_that_is_off(wrong_in_half):
    wrong_in_half(offset=0.05)
    rows = gpu_check.deformable_attention_rows('cpu', SIZE)
    assert [r.verdict for r in rows] == ['ok', 'FAIL', 'info']
    output = float(rows[1].result.split(',')[0].split()[1])
    assert output > 1e-2  # the output is off; its gradients are not
    assert 'd value' in rows[1].result


def test_attention_rows_fail_a_kernel_that_does_not_run(wrong_in_half):
    wrong_in_half(error='"ms_deform_attn_forward_cuda" not implemented for \'Half\'\nmore')
    rows = gpu_check.deformable_attention_rows('cpu', SIZE)
    assert rows[1] == gpu_check.Row(
        rows[1].check, 'float16',
        'runs not: "ms_deform_attn_forward_cuda" not implemented for \'Half\'', 'FAIL')


class StandIn:
    """A ModelCost that returns ``loss`` from every train step."""
    loss = 1.

    def __init__(self, cfg, shape, num_images, objects, device):
        self.cfg = cfg

    def train_step(self):
        return {'loss': torch.tensor(self.loss)}


def test_train_rows_fail_a_loss_that_is_not_finite_and_show_refused_amp(monkeypatch):
    monkeypatch.setattr(gpu_check, 'ModelCost', StandIn)
    pairs = [('dab_detr_r50_50e', 'dn_dab_detr_r50_50e'),
             ('faster_rcnn_r50_fpn_12e', 'dn_faster_rcnn_r50_fpn_12e')]
    rows = gpu_check.train_step_rows(pairs, 'cpu', SIZE)
    assert [(r.setting, r.verdict) for r in rows] == [
        ('float32', 'ok'), ('bfloat16 (--amp)', 'ok'), ('float32', 'ok'),
        ('bfloat16 (--amp)', 'info')]
    assert rows[0].check == 'train step dab_detr_r50_50e / dn_dab_detr_r50_50e'
    assert rows[0].result.startswith('loss 1.00 / 1.00, ')
    assert rows[3].result.startswith("--amp without CUDA trains in bfloat16, which mmcv's "
                                     'RoIAlign')
    monkeypatch.setattr(StandIn, 'loss', math.nan)
    assert gpu_check.train_step_rows(pairs[:1], 'cpu', SIZE)[0].verdict == 'FAIL'


def test_the_table_and_its_summary():
    rows = [gpu_check.Row('a', 'float32', '1 / 2', 'ok'), gpu_check.Row('b', '', 'x', 'FAIL')]
    assert gpu_check.table(rows) == ('| check | setting | result | verdict |\n|---|---|---|---|\n'
                                     '| a | float32 | 1 / 2 | ok |\n| b |  | x | FAIL |')
    assert gpu_check.summary(rows) == {'ok': 1, 'FAIL': 1, 'info': 0}


def test_cuda_is_refused_without_a_gpu():
    assert not torch.cuda.is_available()
    assert gpu_check.refusal('cuda').startswith('no CUDA device: torch ')
    assert gpu_check.refusal('cpu') is None
