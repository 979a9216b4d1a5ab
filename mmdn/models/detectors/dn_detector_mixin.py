"""What denoising training adds to any DETR-like detector (paper §4, Eqs. 3-4).

The contract of a DN detector
-----------------------------
A DN model is ``class DNX(DNDetectorMixin, X)`` for a baseline ``X`` (an mmdet
``DetectionTransformer``) whose ``pre_decoder`` returns the matching queries as decoder
inputs ``query`` (bs, L, D) and ``<anchor_key>`` (bs, L, ...), and whose
``forward_decoder`` takes ``self_attn_mask``: mmdet's detectors get it from the mixin of
their decoder family (:mod:`~mmdn.models.detectors.masked_decoders`), put between this
mixin and the detector; checked at build. It is paired with a DN head (a head with
:class:`~mmdn.models.dense_heads.DNHeadMixin`; checked at build). :meth:`pre_decoder`
is a template method: it calls the baseline's ``pre_decoder`` and then, in this order,
the hooks a new model implements where the default does not fit:

- :attr:`anchor_key`: the name of the decoder input that holds the queries'
  positional part (``'query_pos'`` by default).
- :meth:`matching_content`: the matching queries' content, (bs, L, D), given the
  baseline's; by default the baseline's plus the 'unknown' label with indicator 0
  (§4.5), :meth:`matching_label_content`.
- :meth:`dn_anchors`: the noised boxes (bs, P*M, 4) before sigmoid in the space of
  the model's anchors; identity by default (anchors before sigmoid).
- :meth:`dn_decoder_inputs`: every decoder input the denoising part brings besides its
  content, by key; by default :attr:`anchor_key` from :meth:`dn_anchors`. A model whose
  queries carry their box in two inputs (Conditional DETR's positional query and
  reference point) returns both.
- :meth:`matching_groups`: K, the groups of matching queries that may not see each
  other (Group DETR); 1 by default.

L is read from the matching content, so patterns or a query selection need no further
hook. The generator's ``dn_meta`` becomes the head input ``dn_meta``. Nothing else is
overridden: the DN model adds no ``loss`` or ``predict`` of its own.
"""
import inspect
from typing import Dict, Tuple

import torch
from torch import Tensor

from mmdet.structures import OptSampleList
from mmdet.utils import ConfigType
from ..dense_heads import DNHeadMixin
from ..layers import build_dn_query_generator
from .masked_decoders import masked_decoder_mixin


class DNDetectorMixin:
    """Builds the :class:`DnQueryGenerator` from ``dn_cfg`` and puts the denoising part
    before the matching queries in :meth:`pre_decoder` (see the module's docstring).

    In evaluation there is no denoising part, so inference costs what the baseline
    costs (unless :attr:`dn_at_inference`, for detectors given objects at inference).

    Args:
        dn_cfg (dict): the :class:`DnQueryGenerator` config; ``num_classes`` and
            ``embed_dims`` come from the head and the transformer.

    Raises:
        TypeError: the head is not a DN head, or ``forward_decoder`` takes no
            ``self_attn_mask`` (naming the decoder and the mixin it needs).
    """

    #: The decoder input holding the queries' positional part (anchors).
    anchor_key: str = 'query_pos'

    #: Whether the batch's objects enter the denoising part at inference too, noise-free.
    dn_at_inference: bool = False

    def __init__(self, *args, dn_cfg: ConfigType, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not isinstance(self.bbox_head, DNHeadMixin):
            raise TypeError(f'{type(self).__name__} needs a DN head (a DNHeadMixin '
                            f'subclass, e.g. DN{type(self.bbox_head).__name__}); got '
                            f'{type(self.bbox_head).__name__}')
        if 'self_attn_mask' not in inspect.signature(self.forward_decoder).parameters:
            mixin = masked_decoder_mixin(self.decoder)
            baseline = next(c for c in type(self).__mro__ if c.__module__.startswith('mmdet.'))
            advice = (f'put {mixin.__name__} (mmdn.models.detectors.masked_decoders) '
                      f'before {baseline.__name__} in its bases'
                      if mixin else 'give its forward_decoder a self_attn_mask argument')
            raise TypeError(f'{type(self).__name__}: the forward_decoder of its '
                            f'{type(self.decoder).__name__} takes no self_attn_mask, '
                            f'which the denoising part needs (Eq. 7): {advice}')
        self.dn_query_generator = build_dn_query_generator(
            dn_cfg, num_classes=self.bbox_head.num_classes, embed_dims=self.embed_dims)

    def matching_label_content(self, batch_data_samples: OptSampleList,
                               num_queries: int) -> Tensor:
        """The label part of the matching queries' content: the 'unknown' class with
        indicator 0 (§4.5), (num_queries, D). A detector given labels (known-label
        detection) overrides it."""
        return self.dn_query_generator.matching_content(num_queries)

    def matching_content(self, query: Tensor, batch_data_samples: OptSampleList) -> Tensor:
        """Hook: the matching queries' content from the baseline's ``query`` (bs, L, D):
        plus :meth:`matching_label_content`."""
        return query + self.matching_label_content(batch_data_samples, query.size(1))

    def dn_anchors(self, dn_boxes: Tensor) -> Tensor:
        """Hook: the noised boxes before sigmoid, (bs, P*M, 4), in the form of the
        decoder input :attr:`anchor_key`; identity by default."""
        return dn_boxes

    def dn_decoder_inputs(self, dn_boxes: Tensor) -> Dict[str, Tensor]:
        """Hook: the denoising part of each decoder input but ``query``, (bs, P*M,
        ...) by key, put before the matching queries' input of that key; by default
        :attr:`anchor_key` from :meth:`dn_anchors`."""
        return {self.anchor_key: self.dn_anchors(dn_boxes)}

    def matching_groups(self) -> int:
        """Hook: K, the groups the L matching queries form, apart in self-attention."""
        return 1

    def with_dn_part(self, batch_data_samples: OptSampleList) -> bool:
        """Whether the decoder gets a denoising part: in training, and at inference
        with :attr:`dn_at_inference`."""
        return batch_data_samples is not None and (self.training or self.dn_at_inference)

    def forward_transformer(self, img_feats: Tuple[Tensor],
                            batch_data_samples: OptSampleList = None) -> Dict:
        """DETR's transformer pass, with the batch handed to :meth:`pre_decoder`.

        The decoder inputs of ``pre_transformer`` and of ``pre_decoder`` must not share
        a key (a TypeError otherwise): neither overrides the other.
        """
        encoder_inputs_dict, decoder_inputs_dict = self.pre_transformer(
            img_feats, batch_data_samples)
        encoder_outputs_dict = self.forward_encoder(**encoder_inputs_dict)
        query_inputs_dict, head_inputs_dict = self.pre_decoder(
            **encoder_outputs_dict, batch_data_samples=batch_data_samples)
        head_inputs_dict.update(self.forward_decoder(**decoder_inputs_dict,
                                                     **query_inputs_dict))
        return head_inputs_dict

    def pre_decoder(self, *args, batch_data_samples: OptSampleList = None,
                    **kwargs) -> Tuple[Dict, Dict]:
        """Decoder queries: [denoising part (see :meth:`with_dn_part`), matching part].

        Args:
            *args, **kwargs: the encoder outputs, for the baseline's ``pre_decoder``.
            batch_data_samples (list[DetDataSample], optional): the decoder's samples.

        Returns:
            tuple[dict, dict]: the baseline's decoder inputs with ``query`` (bs, W, D),
            :attr:`anchor_key` (bs, W, ...) and ``self_attn_mask`` (W, W), Eq. 7 as
            0 / -inf (so that its backward costs nothing), or None; W = P*M + L with
            the denoising part and L without. The baseline's head inputs, plus
            ``dn_meta`` with the denoising part. Slot layout: [P*M denoising slots, L
            matching queries], as the heads' ``split_dn`` reads it.
        """
        decoder_inputs_dict, head_inputs_dict = super().pre_decoder(*args, **kwargs)
        query = self.matching_content(decoder_inputs_dict['query'], batch_data_samples)
        attn_mask = None
        if self.with_dn_part(batch_data_samples):
            dn_query, dn_boxes, attn_mask, head_inputs_dict['dn_meta'] = \
                self.dn_query_generator(batch_data_samples, query.size(1),
                                        mask_dtype=query.dtype, clean=not self.training,
                                        num_matching_groups=self.matching_groups())
            query = torch.cat([dn_query, query], dim=1)
            for key, dn_part in self.dn_decoder_inputs(dn_boxes).items():
                decoder_inputs_dict[key] = torch.cat([dn_part, decoder_inputs_dict[key]],
                                                     dim=1)
        decoder_inputs_dict.update(query=query, self_attn_mask=attn_mask)
        return decoder_inputs_dict, head_inputs_dict
