"""The head of DN-Deformable-DETR(++): Deformable DETR's head plus the DN losses."""
from typing import List, Tuple

from torch import Tensor

from mmdet.models.dense_heads import DeformableDETRHead, deformable_detr_head
from mmdet.registry import MODELS
from ..utils import official_inverse_sigmoid
from .dn_head_mixin import DNHeadMixin


@MODELS.register_module()
class DNDeformableDETRPPHead(DNHeadMixin, DeformableDETRHead):
    """Deformable DETR's head (box refinement from each layer's anchors); in training the
    decoder outputs are split by ``dn_meta``.

    The matching part keeps Deformable DETR's Hungarian losses; the denoising part's
    losses are :class:`DNHeadMixin`'s. The anchors' inverse sigmoid is the official
    one (:func:`official_inverse_sigmoid`; mmdet's baseline head keeps mmdet's).
    """

    def forward(self, hidden_states: Tensor, references: List[Tensor]
                ) -> Tuple[Tensor, Tensor]:
        with official_inverse_sigmoid(deformable_detr_head):
            return super().forward(hidden_states, references)
