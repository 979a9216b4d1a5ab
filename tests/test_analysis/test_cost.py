"""mmdn.analysis.cost: FLOP counting leaves the model trainable, on every model family."""
import pytest

from mmdn.analysis.cost import ModelCost
from ..conftest import REPO


@pytest.mark.parametrize('config', ['dn_dino_r18_demo.py', 'dn_dab_detr_r18_demo.py'])
def test_flops_twice_then_a_train_step(config):
    """DINO's decoder takes an expanded view of its query embedding; the FLOP counter's
    autograd hooks failed on it from the second forward on."""
    cost = ModelCost(str(REPO / 'configs' / 'demo' / config), (64, 64), 1, 2, 'cpu')
    trainable = [name for name, p in cost.model.named_parameters() if p.requires_grad]
    first = cost.gflops_per_image()
    assert cost.gflops_per_image() == first
    train, test = first
    assert train > test > 0  # the denoising queries add decoder FLOPs in training
    assert [name for name, p in cost.model.named_parameters() if p.requires_grad] == trainable
    before = next(p for p in cost.model.parameters() if p.requires_grad).clone()
    cost.train_step()
    assert not next(p for p in cost.model.parameters() if p.requires_grad).equal(before)


@pytest.mark.parametrize('config', ['mask2former_r18_demo.py', 'mask_dino_r18_demo.py'])
def test_mask_models_get_masks_and_train(config):
    cost = ModelCost(str(REPO / 'configs' / 'demo' / config), (64, 96), 2, 3, 'cpu')
    masks = cost.batch['data_samples'][0].gt_instances.masks
    assert masks.masks.shape == (3, 64, 96) and masks.masks.any()
    before = next(p for p in cost.model.parameters() if p.requires_grad).clone()
    cost.train_step()
    assert not next(p for p in cost.model.parameters() if p.requires_grad).equal(before)
