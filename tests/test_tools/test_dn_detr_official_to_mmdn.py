"""tools/model_converters/dn_detr_official_to_mmdn.py: official checkpoint files in, mmdn out."""
import argparse
import importlib.util

import pytest
import torch

from mmdn.converters import (
    official_dn_dab_deformable_detr_encoder_only_shapes,
    official_dn_dab_deformable_detr_shapes,
    official_dn_dab_detr_shapes,
)
from ..conftest import REPO, run_script

TOOL = 'tools/model_converters/dn_detr_official_to_mmdn.py'


def _tool():
    """The converter's module (its config choice, without a conversion)."""
    spec = importlib.util.spec_from_file_location('dn_detr_official_to_mmdn', REPO / TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_converts_checks_and_refuses_without_writing(tmp_path):
    state = {k: torch.zeros(shape) for k, shape in
             official_dn_dab_detr_shapes(num_patterns=3).items()}
    src = tmp_path / 'checkpoint.pth'
    # As the official training saves it: the model beside the args Namespace.
    torch.save(dict(model=state, epoch=11, args=argparse.Namespace(num_patterns=3)), src)
    dst = tmp_path / 'out' / 'mmdn.pth'
    proc = run_script([TOOL, str(src), str(dst), '--config', 'configs/dn_dab_detr_r50_dc5_12e.py'])
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert 'official dn_dab_detr, 592 keys' in proc.stdout
    ckpt = torch.load(dst, weights_only=True)
    assert len(ckpt['meta']['dataset_meta']['classes']) == 80
    assert ckpt['state_dict']['patterns.weight'].shape == (3, 256)
    # Without --config and without dilation in its args: DC5 or not cannot be told.
    proc = run_script([TOOL, str(src), str(tmp_path / 'default.pth')])
    assert proc.returncode != 0 and not (tmp_path / 'default.pth').exists()
    assert ('official dn_dab_detr with depth 50, num_patterns 3: DC5 or not, its keys cannot '
            'tell and it has no training args; pass --config, one of\n'
            '  configs/dn_dab_detr_r50_12e.py\n  configs/dn_dab_detr_r50_dc5_12e.py') \
        in proc.stderr
    # With the official args: the DC5 config.
    torch.save(dict(model=state, args=argparse.Namespace(
        modelname='dn_dab_detr', backbone='resnet50', dilation=True, num_patterns=3,
        epochs=12)), src)
    proc = run_script([TOOL, str(src), str(tmp_path / 'default.pth')])
    assert proc.returncode == 0 and 'configs/dn_dab_detr_r50_dc5_12e.py' in proc.stdout

    truncated = tmp_path / 'truncated.pth'
    truncated.write_bytes(src.read_bytes()[:100000])
    text = tmp_path / 'notes.pth'
    text.write_text('not a checkpoint')
    deformable = tmp_path / 'deformable.pth'
    torch.save(dict(model={k: torch.zeros(shape) for k, shape in
                           official_dn_dab_deformable_detr_shapes().items()}), deformable)
    bad = tmp_path / 'bad.pth'
    cases = [
        ([str(src), str(bad), '--config', 'configs/dn_dab_detr_r50_50e.py'],
         'does not fit configs/dn_dab_detr_r50_50e.py:\n  left over: patterns.weight'),
        ([str(truncated), str(bad)], 'truncated.pth is truncated or not a PyTorch checkpoint'),
        ([str(text), str(bad)], 'notes.pth is truncated or not a PyTorch checkpoint'),
        ([str(tmp_path / 'missing.pth'), str(bad)], 'missing.pth does not exist'),
        ([str(deformable), str(bad), '--config', 'configs/dn_dab_detr_r50_50e.py'],
         '(official dn_dab_deformable_detr) does not fit configs/dn_dab_detr_r50_50e.py'),
        ([str(src), str(src)], 'is the source'),
    ]
    for args, message in cases:
        proc = run_script([TOOL, *args])
        assert proc.returncode != 0 and message in proc.stderr, (message, proc.stderr[-2000:])
        assert not bad.exists()
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == '.tmp') == []


def _meta(shapes):
    """A state dict of ``shapes`` without memory."""
    return {k: torch.empty(shape, device='meta') for k, shape in shapes.items()}


def _official_args(**kwargs):
    args = dict(modelname='dn_dab_detr', backbone='resnet50', dilation=False, num_patterns=0,
                epochs=50)
    return {**args, **kwargs}


@pytest.mark.parametrize('depth,args,config', [
    (50, _official_args(), 'dn_dab_detr_r50_50e'),
    (50, _official_args(dilation=True), 'dn_dab_detr_r50_dc5_50e'),
    (50, _official_args(dilation=True, num_patterns=3, epochs=12), 'dn_dab_detr_r50_dc5_12e'),
    (101, _official_args(backbone='resnet101', dilation=True, num_patterns=3, epochs=12),
     'dn_dab_detr_r101_dc5_12e'),
    (101, _official_args(backbone='resnet101', dilation=False, epochs=50),
     'dn_dab_detr_r101_50e'),
])
def test_the_checkpoint_chooses_its_config(depth, args, config):
    tool = _tool()
    state = _meta(official_dn_dab_detr_shapes(depth=depth,
                                              num_patterns=args.get('num_patterns', 0)))
    chosen = tool.choose_config(state, args, 'dn_dab_detr')
    assert chosen == tool.REPO / 'configs' / f'{config}.py'
    # Without args DC5 cannot be told: refused, both named.
    with pytest.raises(tool.ConversionError, match=f'pass --config, one of(\n.*)*{config}'):
        tool.choose_config(state, {}, 'dn_dab_detr')


def test_deformable_families_choose_by_depth_and_schedule():
    tool = _tool()
    family = 'dn_dab_deformable_detr_deformable_encoder_only'
    state = _meta(official_dn_dab_deformable_detr_encoder_only_shapes(depth=101))
    assert tool.choose_config(state, {}, family).name == 'dn_deformable_detr_r101_12e.py'
    state = _meta(official_dn_dab_deformable_detr_encoder_only_shapes(depth=50))
    args = dict(modelname=family, backbone='resnet50', dilation=False, num_patterns=3)
    assert tool.choose_config(state, {**args, 'epochs': 12}, family).name == \
        'dn_deformable_detr_r50_12e.py'
    assert tool.choose_config(state, {**args, 'epochs': 50}, family).name == \
        'dn_deformable_detr_r50_50e.py'
    # No args: the same weights fit both schedules; the longer one is taken.
    assert tool.choose_config(state, {}, family).name == 'dn_deformable_detr_r50_50e.py'
    state = _meta(official_dn_dab_deformable_detr_shapes())
    assert tool.choose_config(state, {}, 'dn_dab_deformable_detr').name == \
        'dn_deformable_detr_pp_r50_50e.py'
    with pytest.raises(tool.ConversionError, match='no config of this repository'):
        tool.choose_config(_meta(official_dn_dab_deformable_detr_shapes(depth=101)), {},
                           'dn_dab_deformable_detr')


@pytest.mark.parametrize('args,message', [
    (_official_args(backbone='resnet101'), 'the keys are of ResNet-50, its args say resnet101'),
    (_official_args(num_patterns=3), 'the keys hold 0 patterns, its args say 3'),
    (_official_args(modelname='dn_dab_deformable_detr'),
     'the keys are of dn_dab_detr, its args say dn_dab_deformable_detr'),
    (_official_args(dilation=True, epochs=12, num_patterns=0, backbone='resnet50'),
     'dn_dab_detr_r50_dc5_50e.py'),  # no 12-epoch DC5 0-pattern config: the only DC5 one
])
def test_args_that_contradict_the_keys_are_refused(args, message):
    tool = _tool()
    state = _meta(official_dn_dab_detr_shapes(depth=50, num_patterns=0))
    if message.endswith('.py'):
        assert tool.choose_config(state, args, 'dn_dab_detr').name == message
    else:
        with pytest.raises(tool.ConversionError, match=message):
            tool.choose_config(state, args, 'dn_dab_detr')


def test_deformable_pp_default_config(tmp_path):
    src = tmp_path / 'v2.pth'
    torch.save(dict(model={k: torch.zeros(shape) for k, shape in
                           official_dn_dab_deformable_detr_shapes().items()}), src)
    proc = run_script([TOOL, str(src), str(tmp_path / 'v2_mmdn.pth')])
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert 'official dn_dab_deformable_detr' in proc.stdout
    assert 'configs/dn_deformable_detr_pp_r50_50e.py' in proc.stdout
