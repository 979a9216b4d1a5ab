"""The head of DN-DAB-DETR: DAB-DETR's head plus the denoising reconstruction losses."""
from typing import Dict, Optional

from torch import Tensor

from mmdet.models.dense_heads import DABDETRHead
from mmdet.registry import MODELS
from mmdet.structures import SampleList
from mmdet.utils import InstanceList
from .dn_head_mixin import DNHeadMixin


@MODELS.register_module()
class DNDABDETRHead(DNHeadMixin, DABDETRHead):
    """DAB-DETR's head; in training the decoder outputs are split by ``dn_meta``.

    The matching part keeps DAB-DETR's Hungarian losses; the denoising part's losses
    are :class:`DNHeadMixin`'s.
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
        return self.loss_with_dn(
            *self(hidden_states, references), dn_meta,
            lambda scores, boxes: self.loss_by_feat(scores, boxes, batch_gt_instances,
                                                    batch_img_metas))

    def predict(self, hidden_states: Tensor, references: Tensor,
                batch_data_samples: SampleList, rescale: bool = True,
                dn_meta: Optional[Dict] = None) -> InstanceList:
        """DAB-DETR's prediction from the matching queries (any DN part is dropped)."""
        num_dn = dn_meta['num_dn_queries'] if dn_meta else 0
        return super().predict(hidden_states[:, :, num_dn:], references[:, :, num_dn:],
                               batch_data_samples, rescale=rescale)
