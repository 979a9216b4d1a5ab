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
        return self.loss_with_dn(
            *self(hidden_states, references), dn_meta,
            lambda scores, boxes: self.loss_matching(scores, boxes, enc_outputs_class,
                                                     enc_outputs_coord, batch_gt_instances,
                                                     batch_img_metas))
