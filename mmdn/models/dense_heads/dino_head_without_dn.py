"""DINO's head without a denoising part."""
from typing import Dict, List, Optional

from torch import Tensor

from mmdet.models.dense_heads import DETRHead, DINOHead
from mmdet.registry import MODELS
from mmdet.structures import SampleList
from mmdet.utils import InstanceList


@MODELS.register_module()
class DINOHeadWithoutDN(DINOHead):
    """DINOHead's matching and encoder (top-k proposal) losses, without ``dn_meta``
    (DINOHead's own ``loss`` and ``loss_by_feat`` need its contrastive denoising part).
    """

    def loss(self, hidden_states: Tensor, references: List[Tensor],
             enc_outputs_class: Tensor, enc_outputs_coord: Tensor,
             batch_data_samples: SampleList) -> Dict:
        """Hungarian losses of every decoder layer and of the selected proposals.

        Args:
            hidden_states (Tensor): (num_layers, bs, L, D).
            references (list[Tensor]): the initial anchors and each layer's.
            enc_outputs_class (Tensor): (bs, L, C) the selected proposals' scores.
            enc_outputs_coord (Tensor): (bs, L, 4) their boxes.
            batch_data_samples (list[DetDataSample]): the batch.
        """
        batch_gt_instances = [s.gt_instances for s in batch_data_samples]
        batch_img_metas = [s.metainfo for s in batch_data_samples]
        return self.loss_by_feat(*self(hidden_states, references), enc_outputs_class,
                                 enc_outputs_coord, batch_gt_instances, batch_img_metas)

    def loss_by_feat(self, all_layers_cls_scores: Tensor, all_layers_bbox_preds: Tensor,
                     enc_cls_scores: Tensor, enc_bbox_preds: Tensor,
                     batch_gt_instances: InstanceList, batch_img_metas: List[dict],
                     batch_gt_instances_ignore: Optional[InstanceList] = None) -> Dict:
        """DINOHead's losses of the matching queries, (num_layers, bs, L, C | 4), and of
        the selected proposals, (bs, L, C | 4); Deformable DETR's signature (DINOHead's
        adds ``dn_meta``)."""
        # Not DINOHead.loss_by_feat (it needs dn_meta) nor DeformableDETRHead's (its
        # encoder loss is on class-agnostic targets): DETR's per-layer losses, then DINO's.
        losses = DETRHead.loss_by_feat(self, all_layers_cls_scores, all_layers_bbox_preds,
                                       batch_gt_instances, batch_img_metas,
                                       batch_gt_instances_ignore)
        losses['enc_loss_cls'], losses['enc_loss_bbox'], losses['enc_loss_iou'] = \
            self.loss_by_feat_single(enc_cls_scores, enc_bbox_preds,
                                     batch_gt_instances=batch_gt_instances,
                                     batch_img_metas=batch_img_metas)
        return losses
