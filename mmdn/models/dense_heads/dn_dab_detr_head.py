"""The head of DN-DAB-DETR: DAB-DETR's head plus the denoising reconstruction losses."""
from typing import Dict, Optional

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
        num_dn = dn_meta['num_dn_queries'] if dn_meta else 0
        losses = self.loss_by_feat(layers_cls_scores[:, :, num_dn:],
                                   layers_bbox_preds[:, :, num_dn:], batch_gt_instances,
                                   batch_img_metas)
        if dn_meta is not None:
            losses.update(self.loss_dn(layers_cls_scores[:, :, :num_dn],
                                       layers_bbox_preds[:, :, :num_dn], dn_meta))
        return losses

    def loss_dn(self, dn_cls_scores: Tensor, dn_bbox_preds: Tensor, dn_meta: Dict) -> Dict:
        """Reconstruction losses of the denoising part, all decoder layers at once.

        Args:
            dn_cls_scores (Tensor): (num_layers, bs, P*M, C) logits.
            dn_bbox_preds (Tensor): (num_layers, bs, P*M, 4) normalised (cx, cy, w, h).
            dn_meta (dict): ``batch_index``, ``query_index`` (K,), ``labels`` (K,),
                ``boxes`` (K, 4) and ``factors`` (K, 4) of the K real queries.

        Returns:
            dict: per layer ``dn_loss_cls``, ``dn_loss_bbox``, ``dn_loss_iou``, each the
            sum over the K queries divided by K averaged over ranks (at least 1).
        """
        num_layers = dn_cls_scores.size(0)
        b, q = dn_meta['batch_index'], dn_meta['query_index']
        cls_scores = dn_cls_scores[:, b, q].flatten(0, 1)  # (num_layers * K, C)
        bbox_preds = dn_bbox_preds[:, b, q].flatten(0, 1)  # (num_layers * K, 4)
        labels = dn_meta['labels'].repeat(num_layers)
        targets = dn_meta['boxes'].repeat(num_layers, 1)
        factors = dn_meta['factors'].repeat(num_layers, 1)
        avg_factor = reduce_mean(cls_scores.new_tensor(b.numel())).clamp(min=1)

        def per_layer(loss: Tensor) -> Tensor:
            return loss.reshape(num_layers, -1).sum(1) / avg_factor

        if b.numel() == 0:  # no image has objects: zeros, still in the graph
            loss_cls = loss_bbox = loss_iou = dn_cls_scores.sum() * dn_cls_scores.new_zeros(
                num_layers)
        else:
            loss_cls = per_layer(self.loss_cls(cls_scores, labels, reduction_override='none'))
            loss_bbox = per_layer(
                self.loss_bbox(bbox_preds, targets, reduction_override='none'))
            # IoU in pixels, as the matching part computes it.
            loss_iou = per_layer(self.loss_iou(bbox_cxcywh_to_xyxy(bbox_preds) * factors,
                                               bbox_cxcywh_to_xyxy(targets) * factors,
                                               reduction_override='none'))
        losses = dict(dn_loss_cls=loss_cls[-1], dn_loss_bbox=loss_bbox[-1],
                      dn_loss_iou=loss_iou[-1])
        for i in range(num_layers - 1):
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
