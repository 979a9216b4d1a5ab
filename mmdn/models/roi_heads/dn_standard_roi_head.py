"""DN-Faster R-CNN's RoI head: noised ground-truth boxes as extra RoIs (paper §4.8)."""
from typing import Dict, List, Tuple

import torch
from torch import Tensor

from mmdet.models.roi_heads import StandardRoIHead
from mmdet.registry import MODELS
from mmdet.structures import DetDataSample
from mmdet.structures.bbox import bbox_cxcywh_to_xyxy
from mmdet.utils import ConfigType, InstanceList
from ..layers import build_dn_query_generator


@MODELS.register_module()
class DNStandardRoIHead(StandardRoIHead):
    """StandardRoIHead plus a denoising part: P noised copies of every ground-truth box
    are pooled and classified / regressed beside the sampled proposals.

    A denoising RoI's target is the object it was noised from (its label and box), with
    no IoU assignment or sampling (§4.8). Its losses are the box head's own
    (classification and delta regression, averaged over the denoising RoIs) and are
    logged as ``dn_loss_cls``, ``dn_acc`` and ``dn_loss_bbox``. The RoIs come from
    :class:`DnQueryGenerator` (box noise only, no label embedding); objects of zero width
    or height are left out of them (their box deltas are undefined). Inference is
    StandardRoIHead's.

    Args:
        dn_cfg (dict): the :class:`DnQueryGenerator` config; ``num_classes`` comes
            from the box head. The paper uses 10 groups, box noise only.
    """

    def __init__(self, *args, dn_cfg: ConfigType, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # No label embedding: the RoIs are the noised boxes alone.
        self.dn_query_generator = build_dn_query_generator(
            dn_cfg, num_classes=self.bbox_head.num_classes, embed_dims=None)

    def loss(self, x: Tuple[Tensor], rpn_results_list: InstanceList,
             batch_data_samples: List[DetDataSample]) -> Dict:
        """StandardRoIHead's losses plus the denoising part's."""
        losses = super().loss(x, rpn_results_list, batch_data_samples)
        losses.update(self.loss_dn(x, batch_data_samples))
        return losses

    def dn_rois(self, batch_data_samples: List[DetDataSample]) -> Tuple[Tensor, Tensor, Tensor]:
        """The denoising RoIs and their targets.

        Returns:
            tuple[Tensor, Tensor, Tensor]: ``rois`` (K, 5) (image index, x1, y1, x2, y2)
            in pixels, ``labels`` (K, ) and ``gt_boxes`` (K, 4) in pixels, the object
            each RoI was noised from; K = P x the number of objects of positive size.
        """
        _, noised_boxes, dn_meta = self.dn_query_generator.noised_groups(batch_data_samples)
        bs, num_groups, group_size, _ = noised_boxes.shape
        shape = (bs, num_groups, group_size)
        factors = noised_boxes.new_tensor(
            [[s.img_shape[1], s.img_shape[0]] * 2 for s in batch_data_samples]).view(bs, 1, 1, 4)
        targets = dn_meta['boxes'][:, None].expand(*shape, 4)
        keep = (dn_meta['valid'][:, None].expand(shape) & (targets[..., 2:] > 0).all(-1))
        image_index = torch.arange(bs, device=noised_boxes.device).view(bs, 1, 1).expand(shape)
        rois = torch.cat([image_index[keep][:, None].to(noised_boxes.dtype),
                          (bbox_cxcywh_to_xyxy(noised_boxes) * factors)[keep]], dim=1)
        gt_boxes = (bbox_cxcywh_to_xyxy(targets) * factors)[keep]
        return rois, dn_meta['labels'][:, None].expand(shape)[keep], gt_boxes

    def loss_dn(self, x: Tuple[Tensor], batch_data_samples: List[DetDataSample]) -> Dict:
        """The box head's losses on the denoising RoIs (empty without objects)."""
        rois, labels, gt_boxes = self.dn_rois(batch_data_samples)
        if len(rois) == 0:
            return dict()
        bbox_results = self._bbox_forward(x, rois)
        bbox_head = self.bbox_head
        bbox_targets = gt_boxes if bbox_head.reg_decoded_bbox else \
            bbox_head.bbox_coder.encode(rois[:, 1:], gt_boxes)
        losses = bbox_head.loss(bbox_results['cls_score'], bbox_results['bbox_pred'], rois,
                                labels, torch.ones_like(labels, dtype=rois.dtype),
                                bbox_targets, torch.ones_like(bbox_targets))
        return {f'dn_{key}': value for key, value in losses.items()}
