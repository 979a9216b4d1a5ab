"""tools/model_converters/dn_detr_official_to_mmdn.py: official checkpoint files in, mmdn out."""
import argparse

import torch

from mmdn.converters import (official_dn_dab_deformable_detr_shapes,
                             official_dn_dab_detr_shapes)

from ..conftest import run_tool

TOOL = 'tools/model_converters/dn_detr_official_to_mmdn.py'


def test_converts_checks_and_refuses_without_writing(tmp_path):
    state = {k: torch.zeros(shape) for k, shape in
             official_dn_dab_detr_shapes(num_patterns=3).items()}
    src = tmp_path / 'checkpoint.pth'
    # As the official training saves it: the model beside the args Namespace.
    torch.save(dict(model=state, epoch=11, args=argparse.Namespace(num_patterns=3)), src)
    dst = tmp_path / 'out' / 'mmdn.pth'
    proc = run_tool([TOOL, str(src), str(dst), '--config', 'configs/dn_dab_detr_r50_dc5_12e.py'])
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert 'official dn_dab_detr, 592 keys' in proc.stdout
    ckpt = torch.load(dst, weights_only=True)
    assert len(ckpt['meta']['dataset_meta']['classes']) == 80
    assert ckpt['state_dict']['patterns.weight'].shape == (3, 256)
    # Without --config: the R50 3-pattern config, found from the keys.
    proc = run_tool([TOOL, str(src), str(tmp_path / 'default.pth')])
    assert proc.returncode == 0 and 'configs/dn_dab_detr_r50_12e.py' in proc.stdout

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
        proc = run_tool([TOOL, *args])
        assert proc.returncode != 0 and message in proc.stderr, (message, proc.stderr[-2000:])
        assert not bad.exists()
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == '.tmp') == []


def test_deformable_pp_default_config(tmp_path):
    src = tmp_path / 'v2.pth'
    torch.save(dict(model={k: torch.zeros(shape) for k, shape in
                           official_dn_dab_deformable_detr_shapes().items()}), src)
    proc = run_tool([TOOL, str(src), str(tmp_path / 'v2_mmdn.pth')])
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert 'official dn_dab_deformable_detr' in proc.stdout
    assert 'configs/dn_deformable_detr_pp_r50_50e.py' in proc.stdout
