"""The head of DN-DINO: DINO's head plus DN-DETR's reconstruction losses."""
from typing import Dict, List, Optional

from torch import Tensor

from mmdet.registry import MODELS
from mmdet.structures import SampleList
from .dino_head_without_dn import DINOHeadWithoutDN
from .dn_head_mixin import DNHeadMixin


@MODELS.register_module()
class DNDINOHead(DNHeadMixin, DINOHeadWithoutDN):
    """DINO's matching and encoder losses; the denoising part's are
    :class:`DNHeadMixin`'s."""

    def loss(self, hidden_states: Tensor, references: List[Tensor],
             enc_outputs_class: Tensor, enc_outputs_coord: Tensor,
             batch_data_samples: SampleList, dn_meta: Optional[Dict] = None) -> Dict:
        """Matching, encoder and denoising losses.

        Args:
            hidden_states (Tensor): (num_layers, bs, P*M + L, D).
            references (list[Tensor]): the initial anchors and each layer's.
            enc_outputs_class, enc_outputs_coord (Tensor): the selected proposals.
            batch_data_samples (list[DetDataSample]): the batch.
            dn_meta (dict, optional): from :class:`DnQueryGenerator`.
        """
        batch_gt_instances = [s.gt_instances for s in batch_data_samples]
        batch_img_metas = [s.metainfo for s in batch_data_samples]
        layers_cls_scores, layers_bbox_preds = self(hidden_states, references)
        if dn_meta is None:
            return self.loss_matching(layers_cls_scores, layers_bbox_preds,
                                      enc_outputs_class, enc_outputs_coord,
                                      batch_gt_instances, batch_img_metas)
        dn_outputs, matching_outputs = self.split_dn(layers_cls_scores, layers_bbox_preds,
                                                     dn_meta)
        losses = self.loss_matching(*matching_outputs, enc_outputs_class, enc_outputs_coord,
                                    batch_gt_instances, batch_img_metas)
        losses.update(self.loss_dn(*dn_outputs, dn_meta))
        return losses
