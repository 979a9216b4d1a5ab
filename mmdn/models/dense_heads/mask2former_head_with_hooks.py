"""mmdet's Mask2Former head with named hooks in its decoder pass."""
from typing import Dict, List, Optional, Tuple

import torch
from torch import Tensor

from mmdet.models.dense_heads import Mask2FormerHead
from mmdet.structures import SampleList


class Mask2FormerHeadWithHooks(Mask2FormerHead):
    """mmdet's :class:`Mask2FormerHead` whose ``forward`` runs the decoder through hooks a
    variant overrides, where mmdet's offers none: queries of its own before the learnt
    ones, a self-attention mask, the first layer's masked-attention rows. With the
    defaults it computes what mmdet's ``forward`` computes (tested to the bit).

    Every hook takes ``extra``, what ``forward`` was given besides the features and the
    batch (a denoising part, for :class:`DNMask2FormerHead`), None by default.
    """

    def forward(self, x: List[Tensor], batch_data_samples: SampleList,
                extra: Optional[Dict] = None) -> Tuple[List[Tensor], List[Tensor]]:
        """mmdet's decoder pass through :meth:`initial_queries`,
        :meth:`decoder_self_attn_mask` and :meth:`first_cross_attn_mask`.

        Returns:
            tuple: per output (num_layers + 1 of them) the class logits (bs, W, C + 1)
            and the mask logits (bs, W, h/4, w/4), W the queries of
            :meth:`initial_queries`.
        """
        mask_features, memories = self.pixel_decoder(x)
        keys, key_pos = self.decoder_memory(memories)
        query, query_pos = self.initial_queries(mask_features.size(0), extra)
        self_attn_mask = self.decoder_self_attn_mask(extra)
        sizes = [memory.shape[-2:] for memory in memories]
        cls_pred, mask_pred, attn_mask = self._forward_head(query, mask_features, sizes[0])
        attn_mask = self.first_cross_attn_mask(attn_mask, sizes[0], batch_data_samples,
                                               extra)
        cls_preds, mask_preds = [cls_pred], [mask_pred]
        for i, layer in enumerate(self.transformer_decoder.layers):
            level = i % self.num_transformer_feat_level
            # As mmdet: a row that may attend nowhere attends everywhere.
            attn_mask = attn_mask & (attn_mask.sum(-1) != attn_mask.shape[-1])[..., None]
            query = layer(query=query, key=keys[level], value=keys[level],
                          query_pos=query_pos, key_pos=key_pos[level],
                          self_attn_mask=self_attn_mask, cross_attn_mask=attn_mask,
                          query_key_padding_mask=None, key_padding_mask=None)
            cls_pred, mask_pred, attn_mask = self._forward_head(
                query, mask_features, sizes[(i + 1) % self.num_transformer_feat_level])
            cls_preds.append(cls_pred)
            mask_preds.append(mask_pred)
        return cls_preds, mask_preds

    def decoder_memory(self, memories: List[Tensor]) -> Tuple[List[Tensor], List[Tensor]]:
        """Each level's keys (bs, h*w, D) (projected, plus its level embedding) and
        positional encodings (bs, h*w, D), as mmdet's forward builds them (no padding
        mask: Mask2Former attends to padding too)."""
        keys, key_pos = [], []
        for i, memory in enumerate(memories[:self.num_transformer_feat_level]):
            key = self.decoder_input_projs[i](memory).flatten(2).transpose(1, 2)
            keys.append(key + self.level_embed.weight[i].view(1, 1, -1))
            no_padding = memory.new_zeros((memory.size(0), ) + memory.shape[-2:],
                                          dtype=torch.bool)
            key_pos.append(self.decoder_positional_encoding(no_padding).flatten(2)
                           .transpose(1, 2))
        return keys, key_pos

    def initial_queries(self, batch_size: int, extra: Optional[Dict]) -> Tuple[Tensor, Tensor]:
        """Hook: the decoder's content and positional queries, (bs, W, D) each; by default
        the learnt ones (W = L)."""
        return (self.query_feat.weight.expand(batch_size, -1, -1),
                self.query_embed.weight.expand(batch_size, -1, -1))

    def decoder_self_attn_mask(self, extra: Optional[Dict]) -> Optional[Tensor]:
        """Hook: the decoder's self-attention mask (W, W), or None (the default)."""
        return None

    def first_cross_attn_mask(self, attn_mask: Tensor, size: torch.Size,
                              batch_data_samples: SampleList,
                              extra: Optional[Dict]) -> Tensor:
        """Hook: the first layer's masked-attention mask (bs * num_heads, W, h*w), True
        where a query may not attend, given the one predicted before the first layer on
        the (h, w) map ``size``; by default that one."""
        return attn_mask
