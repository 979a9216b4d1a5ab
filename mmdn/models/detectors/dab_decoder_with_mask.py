"""DAB-DETR's decoder pass under a self-attention mask."""
from typing import Dict, Union

from torch import Tensor

from mmdet.models.layers.transformer import dab_detr_layers
from ..layers import QueryGroups
from ..utils import official_inverse_sigmoid


class DABDecoderWithMaskMixin:
    """``forward_decoder`` of a DAB-DETR subclass that takes ``self_attn_mask``: Eq. 7 of
    a denoising part, Group DETR's groups, or both. Put it before the DAB-DETR class in
    the bases. The decoder's reference update takes the official inverse sigmoid
    (:func:`official_inverse_sigmoid`)."""

    def forward_decoder(self, query: Tensor, query_pos: Tensor, memory: Tensor,
                        memory_mask: Tensor, memory_pos: Tensor,
                        self_attn_mask: Union[Tensor, QueryGroups, None] = None,
                        **decoder_kwargs) -> Dict:
        """DAB-DETR's decoder pass under ``self_attn_mask``.

        Args:
            query (Tensor): (bs, W, D) content.
            query_pos (Tensor): (bs, W, 4) anchors before sigmoid.
            memory, memory_mask, memory_pos: the encoder's output, padding mask and
                positional embedding.
            self_attn_mask (Tensor | QueryGroups, optional): (W, W), 0 / -inf to add
                to the attention logits; Group DETR's groups as :class:`QueryGroups`
                (for :class:`GroupedConditionalSelfAttention`); or None.
            **decoder_kwargs: to the decoder (e.g. the ``level_sizes`` of a multi-level
                decoder).

        Returns:
            dict: ``hidden_states`` (num_layers, bs, W, D) and ``references``
            (num_layers, bs, W, 4).
        """
        with official_inverse_sigmoid(dab_detr_layers):
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
