"""DN-DAB-DETR: DAB-DETR trained with query denoising (paper §4, Eqs. 3-4)."""
import copy
from typing import Dict, Optional, Tuple

import torch
from torch import Tensor

from mmdet.models.detectors import DABDETR
from mmdet.registry import MODELS
from mmdet.structures import OptSampleList
from mmdet.utils import ConfigType


@MODELS.register_module()
class DNDABDETR(DABDETR):
    """DAB-DETR whose decoder also reconstructs noised ground truth in training.

    The decoder embedding is the label embedding of :class:`DnQueryGenerator`
    (§4.5): every matching query's content is the 'unknown' class with indicator 0
    (plus its pattern embedding when ``num_patterns > 0``, as in the official code).
    In training the P denoising groups are put before the L matching queries
    (``o = D(q, Q, F | A)``, Eq. 4) under the attention mask of Eq. 7; in evaluation
    the decoder sees the matching queries only, so inference costs what DAB-DETR costs.

    Args:
        dn_cfg (dict): the :class:`DnQueryGenerator` config; ``num_classes`` and
            ``embed_dims`` come from the head and the transformer.
    """

    def __init__(self, *args, dn_cfg: ConfigType, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        dn_cfg = copy.deepcopy(dict(dn_cfg))
        dn_cfg.setdefault('type', 'DnQueryGenerator')
        for key, value in (('num_classes', self.bbox_head.num_classes),
                           ('embed_dims', self.embed_dims)):
            if dn_cfg.setdefault(key, value) != value:
                raise ValueError(f'dn_cfg.{key}={dn_cfg[key]} disagrees with the model '
                                 f'({value}); leave it out of dn_cfg')
        self.dn_query_generator = MODELS.build(dn_cfg)

    @property
    def num_matching_queries(self) -> int:
        """L: ``num_queries`` anchors, repeated once per pattern."""
        return self.num_queries * max(self.num_patterns, 1)

    def forward_transformer(self, img_feats: Tuple[Tensor],
                            batch_data_samples: OptSampleList = None) -> Dict:
        """DETR's transformer pass, with the batch handed to :meth:`pre_decoder`."""
        encoder_inputs_dict, decoder_inputs_dict = self.pre_transformer(
            img_feats, batch_data_samples)
        encoder_outputs_dict = self.forward_encoder(**encoder_inputs_dict)
        tmp_dec_in, head_inputs_dict = self.pre_decoder(
            **encoder_outputs_dict, batch_data_samples=batch_data_samples)
        decoder_inputs_dict.update(tmp_dec_in)
        decoder_outputs_dict = self.forward_decoder(**decoder_inputs_dict)
        head_inputs_dict.update(decoder_outputs_dict)
        return head_inputs_dict

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
        num_matching = self.num_matching_queries
        # DAB-DETR's content is zero (or a pattern); DN-DETR adds the 'unknown' label.
        query = decoder_inputs_dict['query'] + \
            self.dn_query_generator.matching_content(num_matching)
        query_pos = decoder_inputs_dict['query_pos']
        attn_mask = None
        if self.training and batch_data_samples is not None:
            # An additive mask: its backward costs nothing.
            dn_query, dn_anchor, attn_mask, dn_meta = self.dn_query_generator(
                batch_data_samples, num_matching, mask_dtype=query.dtype)
            query = torch.cat([dn_query, query], dim=1)
            query_pos = torch.cat([dn_anchor, query_pos], dim=1)
            head_inputs_dict['dn_meta'] = dn_meta
        decoder_inputs_dict.update(query=query, query_pos=query_pos, self_attn_mask=attn_mask)
        return decoder_inputs_dict, head_inputs_dict

    def forward_decoder(self, query: Tensor, query_pos: Tensor, memory: Tensor,
                        memory_mask: Tensor, memory_pos: Tensor,
                        self_attn_mask: Optional[Tensor] = None) -> Dict:
        """DAB-DETR's decoder pass under the self-attention mask of Eq. 7.

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
            reg_branches=self.bbox_head.fc_reg)
        return dict(hidden_states=hidden_states, references=references)
