"""DN-Faster R-CNN's RoI head: noised ground-truth boxes as extra RoIs (paper §4.8)."""
from typing import Dict, List, Optional, Tuple

import torch
from torch import Tensor

from mmdet.models.roi_heads import StandardRoIHead
from mmdet.models.task_modules.samplers import SamplingResult
from mmdet.registry import MODELS
from mmdet.structures import DetDataSample
from mmdet.structures.bbox import bbox2roi, bbox_cxcywh_to_xyxy
from mmdet.utils import ConfigType, InstanceList
from ..layers import build_dn_query_generator
from ..utils import host_tensor


@MODELS.register_module()
class DNStandardRoIHead(StandardRoIHead):
    """StandardRoIHead plus a denoising part: P noised copies of every ground-truth box
    are pooled and classified / regressed beside the sampled proposals.

    A denoising RoI's target is the object it was noised from (its label and box), with
    no IoU assignment or sampling (§4.8). Its losses are the box head's own loss modules
    (classification and delta regression, averaged over the image's denoising RoIs, as
    the box head averages over its sampled RoIs) and are logged as ``dn_loss_cls``,
    ``dn_acc`` and ``dn_loss_bbox``; a batch without objects gives zeros, in the graph.
    The RoIs come from :class:`DnBoxNoiser` on the (bs, P, M) grid of slots; padding
    slots and objects of zero width or height (their box deltas are undefined) weigh 0.
    The denoising RoIs go through the box head in the same forward as the sampled ones,
    and their losses are computed without a host-device synchronisation, so denoising
    adds none to a train step. Inference is StandardRoIHead's.

    Args:
        dn_cfg (dict): the :class:`DnBoxNoiser` config; ``num_classes`` comes from the
            box head. The paper uses 10 groups.
    """

    def __init__(self, *args, dn_cfg: ConfigType, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The RoIs are the noised boxes alone: no labels flipped, no embedding, no mask.
        self.dn_query_generator = build_dn_query_generator(
            dn_cfg, default_type='DnBoxNoiser', num_classes=self.bbox_head.num_classes)
        self._dn_targets: Optional[Dict[str, Tensor]] = None

    def loss(self, x: Tuple[Tensor], rpn_results_list: InstanceList,
             batch_data_samples: List[DetDataSample]) -> Dict:
        """StandardRoIHead's losses plus the denoising part's (see :meth:`bbox_loss`)."""
        self._dn_targets = self.dn_targets(batch_data_samples)
        try:
            return super().loss(x, rpn_results_list, batch_data_samples)
        finally:
            self._dn_targets = None

    def dn_targets(self, batch_data_samples: List[DetDataSample]) -> Dict[str, Tensor]:
        """The denoising RoIs of every slot and their targets.

        Returns:
            dict: with K = bs * P * M slots, image-major, then group, then object:
            ``rois`` (K, 5) (image index, x1, y1, x2, y2) in pixels, ``labels`` (K, )
            and ``gt_boxes`` (K, 4) in pixels, the object each RoI was noised from, and
            ``weights`` (K, ), 1 for a real object of positive size and 0 elsewhere
            (where ``rois`` and ``gt_boxes`` are a unit box, so that every delta is
            finite).
        """
        _, noised_boxes, dn_meta = self.dn_query_generator.noised_groups(batch_data_samples)
        bs, num_groups, group_size, _ = noised_boxes.shape
        shape = (bs, num_groups, group_size)
        sizes = dn_meta['image_sizes'].view(bs, 1, 1, 4)
        targets = dn_meta['boxes'][:, None].expand(*shape, 4)
        keep = (dn_meta['valid'][:, None] & (targets[..., 2:] > 0).all(-1)).expand(shape)
        unit = host_tensor([0., 0., 1., 1.], noised_boxes.dtype, noised_boxes.device)
        boxes, gt_boxes = (torch.where(keep[..., None], bbox_cxcywh_to_xyxy(b) * sizes, unit)
                           for b in (noised_boxes, targets))
        image_index = torch.arange(bs, device=noised_boxes.device).to(boxes.dtype)
        rois = torch.cat([image_index.view(bs, 1, 1, 1).expand(*shape, 1), boxes], dim=-1)
        return dict(rois=rois.view(-1, 5), gt_boxes=gt_boxes.view(-1, 4),
                    labels=dn_meta['labels'][:, None].expand(shape).reshape(-1),
                    weights=keep.reshape(-1).to(boxes.dtype))

    def bbox_loss(self, x: Tuple[Tensor], sampling_results: List[SamplingResult]) -> Dict:
        """StandardRoIHead's box losses on the sampled RoIs, plus :meth:`loss_dn` on the
        denoising RoIs of :meth:`loss`, from one pass of the box head over both.

        Returns:
            dict: StandardRoIHead's (``cls_score``, ``bbox_pred`` and ``bbox_feats`` of
            the sampled RoIs, ``loss_bbox``), with the denoising losses in ``loss_bbox``.
        """
        rois = bbox2roi([res.priors for res in sampling_results])
        dn_targets = self._dn_targets
        outputs = self._bbox_forward(x, torch.cat([rois, dn_targets['rois']]))
        sizes = (len(rois), len(dn_targets['rois']))
        bbox_results, dn_outputs = {}, {}
        for key, value in outputs.items():
            bbox_results[key], dn_outputs[key] = value.split(sizes)
        loss_bbox = self.bbox_head.loss_and_target(
            cls_score=bbox_results['cls_score'], bbox_pred=bbox_results['bbox_pred'],
            rois=rois, sampling_results=sampling_results,
            rcnn_train_cfg=self.train_cfg)['loss_bbox']
        loss_bbox.update(self.loss_dn(dn_outputs['cls_score'], dn_outputs['bbox_pred'],
                                      dn_targets))
        return dict(bbox_results, loss_bbox=loss_bbox)

    def loss_dn(self, cls_score: Tensor, bbox_pred: Tensor,
                dn_targets: Dict[str, Tensor]) -> Dict[str, Tensor]:
        """The box head's losses on the denoising RoIs.

        Args:
            cls_score (Tensor): (K, C + 1) scores of the RoIs of :meth:`dn_targets`.
            bbox_pred (Tensor): (K, 4) or (K, 4 * C) box deltas.
            dn_targets (dict): :meth:`dn_targets`.

        Returns:
            dict: ``dn_loss_cls``, ``dn_loss_bbox`` and ``dn_acc`` (%), weighted sums
            over the RoIs divided by their number (at least 1).
        """
        head = self.bbox_head
        labels, weights, rois = dn_targets['labels'], dn_targets['weights'], dn_targets['rois']
        num = weights.sum().clamp(min=1)
        deltas = bbox_pred.view(len(labels), bbox_pred.size(-1) // 4, 4)
        if not head.reg_class_agnostic:  # the deltas of the object's class
            deltas = deltas.gather(
                1, labels.clamp(max=head.num_classes - 1).view(-1, 1, 1).expand(-1, 1, 4))
        deltas = deltas.view(-1, 4)
        if head.reg_decoded_bbox:
            preds, targets = head.bbox_coder.decode(rois[:, 1:], deltas), dn_targets['gt_boxes']
        else:
            preds, targets = deltas, head.bbox_coder.encode(rois[:, 1:], dn_targets['gt_boxes'])
        # Weighted here: mmdet's losses test ``torch.any(weight > 0)`` on the host.
        loss_cls = head.loss_cls(cls_score, labels, reduction_override='none')
        loss_bbox = head.loss_bbox(preds, targets, reduction_override='none').sum(-1)
        correct = (cls_score.argmax(-1) == labels).to(weights.dtype)
        return dict(dn_loss_cls=(loss_cls * weights).sum() / num,
                    dn_loss_bbox=(loss_bbox * weights).sum() / num,
                    dn_acc=(correct * weights).sum() / num * 100)
