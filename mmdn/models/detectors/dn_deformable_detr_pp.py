"""DN-Deformable-DETR++: DAB-Deformable-DETR++ trained with query denoising (§4.6)."""
from typing import Dict, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from mmdet.registry import MODELS
from mmdet.structures import OptSampleList
from .dab_deformable_detr_pp import DABDeformableDETRPP
from .dn_detector_mixin import DNDetectorMixin


@MODELS.register_module()
class DNDeformableDETRPP(DNDetectorMixin, DABDeformableDETRPP):
    """DAB-Deformable-DETR++ whose decoder also reconstructs noised ground truth.

    As the official DN-Deformable-DETR (``models/dn_dab_deformable_detr``): the
    matching queries keep their learnt content, of D - 1 dims plus the indicator 0
    (§4.5; the label embedding's 'unknown' row is not used), the denoising groups go
    before them under the mask of Eq. 7 and their anchors are the noised boxes.

    Args:
        dn_cfg (dict): the :class:`DnQueryGenerator` config (see
            :class:`DNDetectorMixin`).
    """

    def _init_layers(self) -> None:
        """The baseline's layers, with content queries one dim short for the indicator."""
        super()._init_layers()
        self.query_embedding = nn.Embedding(self.num_queries, self.embed_dims - 1)

    def pre_decoder(self, memory: Tensor, memory_mask: Tensor, spatial_shapes: Tensor,
                    batch_data_samples: OptSampleList = None) -> Tuple[Dict, Dict]:
        """Decoder queries: [denoising part (training only), matching part].

        Returns:
            tuple[dict, dict]: decoder inputs ``query`` (bs, W, D),
            ``reference_points`` (bs, W, 4) sigmoid anchors, ``memory`` and
            ``self_attn_mask`` (W, W), Eq. 7 as 0 / -inf, or None; with W = P*M + L in
            training and L otherwise. Head inputs, with ``dn_meta`` in training.
        """
        decoder_inputs_dict, head_inputs_dict = super().pre_decoder(
            memory, memory_mask, spatial_shapes)
        query = F.pad(decoder_inputs_dict['query'], (0, 1))  # indicator 0
        reference_points = decoder_inputs_dict['reference_points']
        query, reference_points, attn_mask = self.prepend_dn_part(
            batch_data_samples, query, reference_points, head_inputs_dict, torch.sigmoid)
        decoder_inputs_dict.update(query=query, reference_points=reference_points,
                                   self_attn_mask=attn_mask)
        return decoder_inputs_dict, head_inputs_dict
