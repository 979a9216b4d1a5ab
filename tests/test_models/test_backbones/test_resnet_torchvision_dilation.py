import pytest
import torch
import torch.nn.functional as F

from mmdet.models.backbones import ResNet
from mmdn.models.backbones import ResNetTorchvisionDilation

DC5 = dict(depth=50, num_stages=4, strides=(1, 2, 2, 1), dilations=(1, 1, 1, 2),
           out_indices=(3, ), norm_eval=True)


def test_first_dilated_block_keeps_the_previous_dilation():
    net = ResNetTorchvisionDilation(**DC5)
    layer4 = net.layer4
    assert (layer4[0].conv2.dilation, layer4[0].conv2.padding) == ((1, 1), (1, 1))
    assert all(block.conv2.dilation == (2, 2) and block.conv2.padding == (2, 2)
               for block in list(layer4)[1:])
    assert net.layer3[0].conv2.dilation == (1, 1) and net.layer3[0].conv2.stride == (2, 2)
    # Same parameters as mmdet's ResNet; stride 16 output of the same size.
    ref = ResNet(**DC5)
    assert [k for k in net.state_dict()] == [k for k in ref.state_dict()]
    ref.load_state_dict(net.state_dict())
    net.eval()
    ref.eval()
    x = torch.randn(1, 3, 64, 96)
    with torch.no_grad():
        out, out_ref = net(x)[0], ref(x)[0]
    assert out.shape == out_ref.shape == (1, 2048, 4, 6)
    assert not torch.allclose(out, out_ref)  # mmdet dilates layer4's first block too


def test_first_block_is_torchvision_s():
    """Block 0 of layer 4 as torchvision computes it: 3x3 conv with dilation 1."""
    net = ResNetTorchvisionDilation(**DC5)
    net.eval()  # mmdet's ResNet.train returns None
    block = net.layer4[0]
    x = torch.randn(1, 1024, 5, 7)
    with torch.no_grad():
        h = block.relu(block.bn1(block.conv1(x)))
        expect = F.conv2d(h, block.conv2.weight, stride=1, padding=1, dilation=1)
        assert torch.allclose(block.conv2(h), expect)


def test_basic_block_resnets_are_refused():
    with pytest.raises(ValueError, match='bottleneck'):
        ResNetTorchvisionDilation(depth=18, strides=(1, 2, 2, 1), dilations=(1, 1, 1, 2))
