"""Mask DINO (Li et al., CVPR 2023) as an mmdet detector: backbone and :class:`MaskDINOHead`."""
from typing import Tuple

from torch import Tensor

from mmdet.models.detectors import SingleStageDetector
from mmdet.registry import MODELS
from mmdet.structures import OptSampleList
from mmdet.utils import ConfigType, OptConfigType, OptMultiConfig


@MODELS.register_module()
class MaskDINO(SingleStageDetector):
    """Mask DINO: its pixel decoder, query selection, decoder and losses live in the head
    (``bbox_head``, a :class:`MaskDINOHead`), as Mask2Former's live in its head; the
    detector is mmdet's single-stage one (``loss``/``predict`` hand the backbone's
    levels to the head, which gives boxes and masks).

    Args:
        backbone (dict): the backbone (its four levels, stride 4 to 32).
        bbox_head (dict): the :class:`MaskDINOHead`.
        train_cfg, test_cfg (dict): handed to the head.
        data_preprocessor, init_cfg (dict): as mmdet's.
    """

    def __init__(self,
                 backbone: ConfigType,
                 bbox_head: ConfigType,
                 train_cfg: OptConfigType = None,
                 test_cfg: OptConfigType = None,
                 data_preprocessor: OptConfigType = None,
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(backbone=backbone, bbox_head=bbox_head, train_cfg=train_cfg,
                         test_cfg=test_cfg, data_preprocessor=data_preprocessor,
                         init_cfg=init_cfg)

    def _forward(self, batch_inputs: Tensor,
                 batch_data_samples: OptSampleList = None) -> Tuple:
        """The head's raw outputs (its ``forward`` needs the samples' shapes)."""
        return self.bbox_head(self.extract_feat(batch_inputs), batch_data_samples)
