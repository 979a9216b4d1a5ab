"""The head of DN-Deformable-DETR(++): Deformable DETR's head plus the DN losses."""
from typing import Dict, List, Optional

from torch import Tensor

from mmdet.models.dense_heads import DeformableDETRHead
from mmdet.registry import MODELS
from mmdet.structures import SampleList
from .dn_head_mixin import DNHeadMixin


@MODELS.register_module()
class DNDeformableDETRPPHead(DNHeadMixin, DeformableDETRHead):
    """Deformable DETR's head (box refinement from each layer's anchors); in training the
    decoder outputs are split by ``dn_meta``.

    The matching part keeps Deformable DETR's Hungarian losses; the denoising part's
    losses are :class:`DNHeadMixin`'s.
    """

    def loss(self, hidden_states: Tensor, references: List[Tensor],
             enc_outputs_class: Optional[Tensor], enc_outputs_coord: Optional[Tensor],
             batch_data_samples: SampleList, dn_meta: Optional[Dict] = None) -> Dict:
        """Matching and denoising losses.

        Args:
            hidden_states (Tensor): (num_layers, bs, P*M + L, D).
            references (list[Tensor]): the initial anchors and each layer's refined
                ones, each (bs, P*M + L, 4).
            enc_outputs_class, enc_outputs_coord: the two-stage outputs (None here).
            batch_data_samples (list[DetDataSample]): the batch.
            dn_meta (dict, optional): from :class:`DnQueryGenerator`; without it
                every query is a matching query.
        """
        batch_gt_instances = [s.gt_instances for s in batch_data_samples]
        batch_img_metas = [s.metainfo for s in batch_data_samples]
        return self.loss_with_dn(
            *self(hidden_states, references), dn_meta,
            lambda scores, boxes: self.loss_by_feat(scores, boxes, enc_outputs_class,
                                                    enc_outputs_coord, batch_gt_instances,
                                                    batch_img_metas))
