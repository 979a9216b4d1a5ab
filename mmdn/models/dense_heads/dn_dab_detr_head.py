"""The head of DN-DAB-DETR: DAB-DETR's head plus the denoising reconstruction losses."""
from typing import Dict, Optional

from torch import Tensor

from mmdet.models.dense_heads import DABDETRHead
from mmdet.registry import MODELS
from mmdet.structures import SampleList
from mmdet.utils import InstanceList, reduce_mean
from ..losses import reconstruction_losses


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
        # One copy here instead of one per layer and tensor in DETRHead's reshapes.
        losses = self.loss_by_feat(cls_scores.contiguous(), bbox_preds.contiguous(),
                                   batch_gt_instances, batch_img_metas)
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
            losses = dn_cls_scores.sum() * dn_cls_scores.new_zeros(num_layers, 3)
        else:
            groups = (dn_meta['num_groups'], dn_meta['group_size'])  # (P, M)
            avg_factor = reduce_mean(
                dn_cls_scores.new_tensor(dn_meta['num_targets'])).clamp(min=1)
            losses = reconstruction_losses(
                self.loss_cls, self.loss_bbox, self.loss_iou,
                dn_cls_scores.unflatten(2, groups), dn_bbox_preds.unflatten(2, groups),
                dn_meta['labels'], dn_meta['boxes'],
                dn_meta['valid'].to(dn_cls_scores.dtype)) / avg_factor
        return self._name_dn_losses(losses)

    @staticmethod
    def _name_dn_losses(losses: Tensor) -> Dict[str, Tensor]:
        """mmdet's naming of (num_layers, 3) losses: the last layer bare, earlier layers
        prefixed ``d{i}.``."""
        num_layers = losses.size(0)
        names = [f'{prefix}dn_loss_{kind}'
                 for prefix in [f'd{i}.' for i in range(num_layers - 1)] + ['']
                 for kind in ('cls', 'bbox', 'iou')]
        return dict(zip(names, losses.flatten().unbind()))

    def predict(self, hidden_states: Tensor, references: Tensor,
                batch_data_samples: SampleList, rescale: bool = True,
                dn_meta: Optional[Dict] = None) -> InstanceList:
        """DAB-DETR's prediction from the matching queries (any DN part is dropped)."""
        num_dn = dn_meta['num_dn_queries'] if dn_meta else 0
        return super().predict(hidden_states[:, :, num_dn:], references[:, :, num_dn:],
                               batch_data_samples, rescale=rescale)
