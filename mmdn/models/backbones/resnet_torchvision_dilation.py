"""ResNet with torchvision's dilation layout, as the DC5 models of the DETR family use."""
from mmdet.models.backbones import ResNet
from mmdet.registry import MODELS


@MODELS.register_module()
class ResNetTorchvisionDilation(ResNet):
    """mmdet's ResNet whose dilated stages follow torchvision's
    ``replace_stride_with_dilation``: the first block of a stage whose stride became a
    dilation keeps the previous stage's dilation in its 3x3 convolution; the other
    blocks use the stage's. (mmdet dilates every block of the stage.)

    The DC5 models of DETR, DAB-DETR, DN-DETR and Anchor DETR are built on torchvision's
    ResNet, so their DC5 configs use this backbone: the same parameters, and the official
    checkpoints' features. Takes mmdet's ResNet arguments; only bottleneck ResNets
    (depth >= 50, 'pytorch' style) are supported.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.depth < 50 or self.style != 'pytorch':
            raise ValueError('ResNetTorchvisionDilation needs a bottleneck ResNet (depth '
                             f">= 50) in 'pytorch' style, got depth {self.depth}, style "
                             f'{self.style!r}')
        previous = 1
        for stride, dilation, name in zip(self.strides, self.dilations, self.res_layers):
            if stride == 1 and dilation > 1:
                conv = getattr(self, name)[0].conv2
                conv.dilation = conv.padding = (previous, previous)
            previous = dilation
