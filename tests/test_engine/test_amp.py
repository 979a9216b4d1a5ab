import re

import pytest
import torch
from mmengine.config import Config
from torch import nn

from mmdn.engine import BF16OptimWrapper, configure_amp
from ..conftest import REPO, data_options, run_script


def test_bf16_wrapper_autocasts_the_forward_on_the_models_device():
    model = nn.Linear(4, 3)
    wrapper = BF16OptimWrapper(optimizer=torch.optim.SGD(model.parameters(), lr=0.1))
    with wrapper.optim_context(model):
        out = model(torch.ones(2, 4))
    assert out.dtype == torch.bfloat16
    assert model(torch.ones(2, 4)).dtype == torch.float32  # outside: float32


@pytest.mark.skipif(torch.cuda.is_available(), reason='the path of a machine without CUDA')
def test_configure_amp_without_cuda():
    cfg = Config.fromfile(REPO / 'configs/demo/dn_dab_detr_r18_demo.py')
    configure_amp(cfg)
    assert cfg.optim_wrapper.type == 'BF16OptimWrapper'
    cfg = Config.fromfile(REPO / 'configs/demo/dn_faster_rcnn_r18_demo.py')
    with pytest.raises(ValueError, match="RoIAlign .* does not support on the CPU"):
        configure_amp(cfg)


@pytest.mark.slow
@pytest.mark.skipif(torch.cuda.is_available(), reason='the path of a machine without CUDA')
@pytest.mark.parametrize('config', ['dn_dab_detr_r18_demo.py',
                                    'dn_deformable_detr_pp_r18_demo.py'])
def test_train_with_amp_gives_finite_losses(demo_data, tmp_path, config):
    proc = run_script(['tools/train.py', str(REPO / 'configs' / 'demo' / config), '--amp',
                       '--work-dir', str(tmp_path), '--cfg-options', *data_options(demo_data),
                       'train_cfg.max_epochs=1', 'train_cfg.val_interval=100'])
    assert proc.returncode == 0, proc.stderr[-3000:]
    log = next(tmp_path.glob('2*/*.log')).read_text()
    assert "type='BF16OptimWrapper'" in log
    losses = re.findall(r'Epoch\(train\) \[1\]\[\d/2\].*? loss: (\S+) ', log)
    assert len(losses) == 2 and all(float(v) == float(v) and float(v) < 1e4 for v in losses)
    assert re.search(r' dn_loss_cls: \d', log)


@pytest.mark.slow
@pytest.mark.skipif(torch.cuda.is_available(), reason='the path of a machine without CUDA')
def test_train_with_amp_refuses_an_unsupported_model_at_start(demo_data, tmp_path):
    proc = run_script(['tools/train.py', str(REPO / 'configs/demo/dn_faster_rcnn_r18_demo.py'),
                       '--amp', '--work-dir', str(tmp_path / 'wd'),
                       '--cfg-options', *data_options(demo_data)])
    assert proc.returncode != 0 and 'does not support on the CPU' in proc.stderr
    assert not (tmp_path / 'wd').exists()
