"""The head of DN-DAB-DETR: DAB-DETR's head plus the denoising reconstruction losses."""
from typing import Dict, List, Optional, Sequence

from torch import Tensor

from mmdet.models.dense_heads import DABDETRHead
from mmdet.registry import MODELS
from mmdet.structures import SampleList
from mmdet.structures.bbox import bbox_cxcywh_to_xyxy
from mmdet.utils import InstanceList, reduce_mean


@MODELS.register_module()
class DNDABDETRHead(DABDETRHead):
    """DAB-DETR's head; in training the decoder outputs are split by ``dn_meta``.

    The matching part keeps DAB-DETR's Hungarian losses. The denoising part is
    reconstructed with the same classification, L1 and IoU losses (and their weights)
    against the objects the queries were noised from (§4.3), on every decoder layer,
    and normalised by the number of real denoising queries averaged over all ranks.
    Padded slots are left out. Losses are logged as ``dn_loss_cls``, ``dn_loss_bbox``,
    ``dn_loss_iou`` (last layer) and ``d{i}.dn_loss_*``.
    """

    def loss(self, hidden_states: Tensor, references: Tensor,
             batch_data_samples: SampleList, dn_meta: Optional[Dict] = None) -> Dict:
        """Matching and denoising losses.

        Args:
            hidden_states (Tensor): (num_layers, bs, P*M + L, D).
            references (Tensor): (num_layers, bs, P*M + L, 4).
            batch_data_samples (list[DetDataSample]): the batch.
            dn_meta (dict, optional): from :class:`DnQueryGenerator`; without it
                every query is a matching query.
        """
        batch_gt_instances: InstanceList = [s.gt_instances for s in batch_data_samples]
        batch_img_metas = [s.metainfo for s in batch_data_samples]
        layers_cls_scores, layers_bbox_preds = self(hidden_states, references)
        if dn_meta is None:
            return self.loss_by_feat(layers_cls_scores, layers_bbox_preds,
                                     batch_gt_instances, batch_img_metas)
        num_dn = dn_meta['num_dn_queries']
        sizes = (num_dn, layers_cls_scores.size(2) - num_dn)
        dn_cls_scores, cls_scores = layers_cls_scores.split(sizes, dim=2)
        dn_bbox_preds, bbox_preds = layers_bbox_preds.split(sizes, dim=2)
        losses = self.loss_by_feat(cls_scores, bbox_preds, batch_gt_instances,
                                   batch_img_metas)
        losses.update(self.loss_dn(dn_cls_scores, dn_bbox_preds, dn_meta))
        return losses

    def loss_dn(self, dn_cls_scores: Tensor, dn_bbox_preds: Tensor, dn_meta: Dict) -> Dict:
        """Reconstruction losses of the denoising part, all decoder layers at once.

        Args:
            dn_cls_scores (Tensor): (num_layers, bs, P*M, C) logits.
            dn_bbox_preds (Tensor): (num_layers, bs, P*M, 4) normalised (cx, cy, w, h).
            dn_meta (dict): ``num_groups`` P, ``group_size`` M, each image's targets
                ``labels`` (bs, M) and ``boxes`` (bs, M, 4), the mask ``valid`` (bs, M)
                of its real (unpadded) slots, and ``num_targets``, their number in all
                groups.

        Returns:
            dict: per layer ``dn_loss_cls``, ``dn_loss_bbox``, ``dn_loss_iou``: the loss
            summed over the real slots, divided by their number averaged over ranks
            (at least 1). Padded slots weigh 0.
        """
        num_layers = dn_cls_scores.size(0)
        if dn_meta['num_dn_queries'] == 0:  # no image has objects: zeros, in the graph
            zeros = (dn_cls_scores.sum() * dn_cls_scores.new_zeros(num_layers)).unbind()
            return self._name_dn_losses(zeros, zeros, zeros)
        cls_scores = dn_cls_scores.flatten(0, 2)  # (num_layers * bs * P*M, C)
        bbox_preds = dn_bbox_preds.flatten(0, 2)
        # Targets of the (bs, M) slots, the same for every layer and group.
        shape = (num_layers, -1, dn_meta['num_groups'], dn_meta['group_size'])
        labels = dn_meta['labels'][None, :, None].expand(shape).flatten()
        targets = dn_meta['boxes'][None, :, None].expand(*shape, 4).flatten(0, 3)
        weights = dn_meta['valid'][None, :, None].expand(shape).flatten().to(cls_scores.dtype)
        avg_factor = reduce_mean(cls_scores.new_tensor(dn_meta['num_targets'])).clamp(min=1)

        def per_layer(loss: Tensor) -> List[Tensor]:
            return (loss.reshape(num_layers, -1).sum(1) / avg_factor).unbind()

        loss_cls = self.loss_cls(cls_scores, labels, weights, reduction_override='none')
        loss_bbox = self.loss_bbox(bbox_preds, targets, weights[:, None],
                                   reduction_override='none')
        # On normalised boxes: GIoU does not change when both boxes are scaled along an
        # axis, so this is the pixel GIoU of the matching part (up to the loss's eps),
        # and the official code's normalised GIoU.
        loss_iou = self.loss_iou(bbox_cxcywh_to_xyxy(bbox_preds),
                                 bbox_cxcywh_to_xyxy(targets), weights,
                                 reduction_override='none')
        return self._name_dn_losses(per_layer(loss_cls), per_layer(loss_bbox),
                                    per_layer(loss_iou))

    @staticmethod
    def _name_dn_losses(loss_cls: Sequence[Tensor], loss_bbox: Sequence[Tensor],
                        loss_iou: Sequence[Tensor]) -> Dict[str, Tensor]:
        """mmdet's naming: the last layer bare, earlier layers prefixed ``d{i}.``."""
        losses = dict(dn_loss_cls=loss_cls[-1], dn_loss_bbox=loss_bbox[-1],
                      dn_loss_iou=loss_iou[-1])
        for i in range(len(loss_cls) - 1):
            losses[f'd{i}.dn_loss_cls'] = loss_cls[i]
            losses[f'd{i}.dn_loss_bbox'] = loss_bbox[i]
            losses[f'd{i}.dn_loss_iou'] = loss_iou[i]
        return losses

    def predict(self, hidden_states: Tensor, references: Tensor,
                batch_data_samples: SampleList, rescale: bool = True,
                dn_meta: Optional[Dict] = None) -> InstanceList:
        """DAB-DETR's prediction from the matching queries (any DN part is dropped)."""
        num_dn = dn_meta['num_dn_queries'] if dn_meta else 0
        return super().predict(hidden_states[:, :, num_dn:], references[:, :, num_dn:],
                               batch_data_samples, rescale=rescale)
