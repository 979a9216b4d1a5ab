"""DN-DAB-DETR: DAB-DETR trained with query denoising (paper §4, Eqs. 3-4)."""
from typing import Dict, Optional, Tuple

from torch import Tensor

from mmdet.models.detectors import DABDETR
from mmdet.registry import MODELS
from mmdet.structures import OptSampleList
from .dn_detector_mixin import DNDetectorMixin


@MODELS.register_module()
class DNDABDETR(DNDetectorMixin, DABDETR):
    """DAB-DETR whose decoder also reconstructs noised ground truth in training.

    The decoder embedding is the label embedding of :class:`DnQueryGenerator`
    (§4.5): every matching query's content is the 'unknown' class with indicator 0
    (plus its pattern embedding when ``num_patterns > 0``, as in the official code).
    In training the P denoising groups are put before the L matching queries
    (``o = D(q, Q, F | A)``, Eq. 4) under the attention mask of Eq. 7; in evaluation
    the decoder sees the matching queries only, so inference costs what DAB-DETR costs.

    Args:
        dn_cfg (dict): the :class:`DnQueryGenerator` config (see
            :class:`DNDetectorMixin`).
    """

    @property
    def num_matching_queries(self) -> int:
        """L: ``num_queries`` anchors, repeated once per pattern."""
        return self.num_queries * max(self.num_patterns, 1)

    def pre_decoder(self, memory: Tensor,
                    batch_data_samples: OptSampleList = None) -> Tuple[Dict, Dict]:
        """Decoder queries: [denoising part (training only), matching part].

        Args:
            memory (Tensor): encoder output, (bs, num_feat_points, D).
            batch_data_samples (list[DetDataSample], optional): the batch.

        Returns:
            tuple[dict, dict]: decoder inputs ``query`` (bs, W, D), ``query_pos``
            (bs, W, 4) anchors before sigmoid, ``memory`` and ``self_attn_mask``
            (W, W), Eq. 7 as 0 / -inf to add to the attention logits, or None; with
            W = P*M + L in training and L otherwise. Head inputs, with ``dn_meta`` in
            training.
        """
        decoder_inputs_dict, head_inputs_dict = super().pre_decoder(memory)
        # DAB-DETR's content is zero (or a pattern); DN-DETR adds the 'unknown' label.
        query = decoder_inputs_dict['query'] + self.matching_label_content(batch_data_samples)
        query_pos = decoder_inputs_dict['query_pos']
        query, query_pos, attn_mask = self.prepend_dn_part(batch_data_samples, query,
                                                           query_pos, head_inputs_dict)
        decoder_inputs_dict.update(query=query, query_pos=query_pos, self_attn_mask=attn_mask)
        return decoder_inputs_dict, head_inputs_dict

    def forward_decoder(self, query: Tensor, query_pos: Tensor, memory: Tensor,
                        memory_mask: Tensor, memory_pos: Tensor,
                        self_attn_mask: Optional[Tensor] = None, **decoder_kwargs) -> Dict:
        """DAB-DETR's decoder pass under the self-attention mask of Eq. 7.

        ``decoder_kwargs`` go to the decoder (e.g. the ``level_sizes`` of a multi-level
        decoder).

        Returns:
            dict: ``hidden_states`` (num_layers, bs, W, D) and ``references``
            (num_layers, bs, W, 4).
        """
        hidden_states, references = self.decoder(
            query=query,
            key=memory,
            query_pos=query_pos,
            key_pos=memory_pos,
            key_padding_mask=memory_mask,
            self_attn_masks=self_attn_mask,
            reg_branches=self.bbox_head.fc_reg,
            **decoder_kwargs)
        return dict(hidden_states=hidden_states, references=references)
