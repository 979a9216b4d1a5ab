"""The seam of denoising in mmdet's decoders: ``forward_decoder`` under a self-attention mask.

mmdet's DETR-family detectors run their decoder without a self-attention mask, which a
denoising part needs (Eq. 7). One mixin per mmdet decoder family gives the detector a
``forward_decoder`` that takes ``self_attn_mask`` (W, W), 0 / -inf to add to the
attention logits, or None, and passes it to every decoder layer; with None it computes
what the detector's own ``forward_decoder`` computes. Put the mixin before the mmdet
detector in the bases (``class DNX(DNDetectorMixin, MaskedXDecoderMixin, X)``).
:func:`masked_decoder_mixin` names the mixin a decoder needs.
"""
from typing import Dict, List, Optional, Union

import torch
from torch import Tensor

from mmdet.models.layers import (
    ConditionalDetrTransformerDecoder,
    DABDetrTransformerDecoder,
    DeformableDetrTransformerDecoder,
    DetrTransformerDecoder,
    coordinate_to_encoding,
)
from mmdet.models.layers.transformer import dab_detr_layers
from ..layers import QueryGroups
from ..utils import official_inverse_sigmoid


class MaskedDETRDecoderMixin:
    """DETR's decoder pass (``DetrTransformerDecoder``) under ``self_attn_mask``."""

    def forward_decoder(self, query: Tensor, query_pos: Tensor, memory: Tensor,
                        memory_mask: Tensor, memory_pos: Tensor,
                        self_attn_mask: Optional[Tensor] = None) -> Dict:
        """Args: ``query``, ``query_pos`` (bs, W, D); the encoder's ``memory``, its
        padding mask and positions; ``self_attn_mask`` (W, W) or None.

        Returns:
            dict: ``hidden_states`` (num_layers, bs, W, D).
        """
        hidden_states = self.decoder(query=query, key=memory, value=memory,
                                     query_pos=query_pos, key_pos=memory_pos,
                                     key_padding_mask=memory_mask,
                                     self_attn_mask=self_attn_mask)
        return dict(hidden_states=hidden_states)


class MaskedDABDecoderMixin:
    """DAB-DETR's decoder pass (``DABDetrTransformerDecoder`` and its multi-level
    subclass) under ``self_attn_mask``: Eq. 7 of a denoising part, Group DETR's groups,
    or both. The reference update takes the official inverse sigmoid
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
            self_attn_mask (Tensor | QueryGroups, optional): (W, W), 0 / -inf; Group
                DETR's groups as :class:`QueryGroups` (for
                :class:`GroupedConditionalSelfAttention`); or None.
            **decoder_kwargs: to the decoder (e.g. the ``level_sizes`` of a multi-level
                decoder).

        Returns:
            dict: ``hidden_states`` (num_layers, bs, W, D) and ``references``
            (num_layers, bs, W, 4).
        """
        with official_inverse_sigmoid(dab_detr_layers):
            hidden_states, references = self.decoder(
                query=query, key=memory, query_pos=query_pos, key_pos=memory_pos,
                key_padding_mask=memory_mask, self_attn_masks=self_attn_mask,
                reg_branches=self.bbox_head.fc_reg, **decoder_kwargs)
        return dict(hidden_states=hidden_states, references=references)


class MaskedConditionalDecoderMixin:
    """Conditional DETR's decoder pass (``ConditionalDetrTransformerDecoder``) under
    ``self_attn_mask``, with the reference points a decoder input.

    mmdet's decoder derives the reference points from the positional queries inside
    its ``forward``; here :meth:`pre_decoder` computes them with the decoder's own
    ``ref_point_head``, so that a query may bring its own (a denoising query its
    noised box centre), and :meth:`forward_decoder` runs the decoder's layers as mmdet's
    decoder does, from those points.
    """

    def pre_decoder(self, *args, **kwargs):
        """The baseline's decoder inputs plus ``reference_unsigmoid`` (bs, L, 2), the
        reference points before sigmoid."""
        decoder_inputs_dict, head_inputs_dict = super().pre_decoder(*args, **kwargs)
        decoder_inputs_dict['reference_unsigmoid'] = self.decoder.ref_point_head(
            decoder_inputs_dict['query_pos'])
        return decoder_inputs_dict, head_inputs_dict

    def forward_decoder(self, query: Tensor, query_pos: Tensor, memory: Tensor,
                        memory_mask: Tensor, memory_pos: Tensor,
                        reference_unsigmoid: Tensor,
                        self_attn_mask: Optional[Tensor] = None) -> Dict:
        """Args: ``query``, ``query_pos`` (bs, W, D); the encoder's ``memory``, its
        padding mask and positions; ``reference_unsigmoid`` (bs, W, 2);
        ``self_attn_mask`` (W, W) or None.

        Returns:
            dict: ``hidden_states`` (num_layers, bs, W, D) and ``references`` (bs, W, 2)
            after sigmoid.
        """
        decoder = self.decoder
        references = reference_unsigmoid.sigmoid()
        ref_sine_embed = coordinate_to_encoding(coord_tensor=references)
        hidden_states = []
        for layer_id, layer in enumerate(decoder.layers):
            scale = decoder.query_scale(query) if layer_id > 0 else 1
            query = layer(query, key=memory, query_pos=query_pos, key_pos=memory_pos,
                          key_padding_mask=memory_mask, self_attn_masks=self_attn_mask,
                          ref_sine_embed=ref_sine_embed * scale, is_first=layer_id == 0)
            if decoder.return_intermediate or layer_id == len(decoder.layers) - 1:
                hidden_states.append(decoder.post_norm(query))
        return dict(hidden_states=torch.stack(hidden_states), references=references)


class MaskedDeformableDecoderMixin:
    """Deformable DETR's and DINO's decoder pass (``DeformableDetrTransformerDecoder``
    and its subclasses) under ``self_attn_mask``, refining the reference points with the
    head's box branches.

    Attributes:
        decoder_returns_first_references (bool): whether the decoder's references
            start with the initial ones (DINO's), rather than only each layer's.
    """

    decoder_returns_first_references: bool = False

    def forward_decoder(self, query: Tensor, memory: Tensor, memory_mask: Tensor,
                        reference_points: Tensor, spatial_shapes: Tensor,
                        level_start_index: Tensor, valid_ratios: Tensor,
                        self_attn_mask: Optional[Tensor] = None) -> Dict:
        """Args: ``query`` (bs, W, D); the encoder's ``memory`` and padding mask;
        ``reference_points`` (bs, W, 4) after sigmoid; the levels' shapes, starts and
        valid ratios; ``self_attn_mask`` (W, W) or None.

        Returns:
            dict: ``hidden_states`` (num_layers, bs, W, D) and ``references``, the
            initial reference points and each layer's, each (bs, W, 4).
        """
        hidden_states, references = self.decoder(
            query=query, value=memory, key_padding_mask=memory_mask,
            self_attn_mask=self_attn_mask, reference_points=reference_points,
            spatial_shapes=spatial_shapes, level_start_index=level_start_index,
            valid_ratios=valid_ratios, reg_branches=self.bbox_head.reg_branches)
        references: List[Tensor] = list(references)
        if not self.decoder_returns_first_references:
            references.insert(0, reference_points)
        return dict(hidden_states=hidden_states, references=references)


#: The mixin each mmdet decoder family needs, most specific first.
MASKED_DECODER_MIXINS = {
    ConditionalDetrTransformerDecoder: MaskedConditionalDecoderMixin,
    DABDetrTransformerDecoder: MaskedDABDecoderMixin,
    DeformableDetrTransformerDecoder: MaskedDeformableDecoderMixin,
    DetrTransformerDecoder: MaskedDETRDecoderMixin,
}


def masked_decoder_mixin(decoder: object) -> Optional[type]:
    """The mixin of :data:`MASKED_DECODER_MIXINS` for ``decoder``'s family, or None."""
    for cls in type(decoder).__mro__:
        if cls in MASKED_DECODER_MIXINS:
            return MASKED_DECODER_MIXINS[cls]
    return None
