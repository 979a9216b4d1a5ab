"""What denoising training adds to any DETR-like detector (paper §4, Eqs. 3-4)."""
from typing import Callable, Dict, Optional, Tuple

import torch
from torch import Tensor

from mmdet.structures import OptSampleList
from mmdet.utils import ConfigType
from ..layers import build_dn_query_generator


class DNDetectorMixin:
    """Builds the :class:`DnQueryGenerator` from ``dn_cfg`` and hands the batch to
    ``pre_decoder``, which puts the denoising part before the matching queries.

    Put it before an mmdet ``DetectionTransformer`` subclass in the bases. The subclass's
    ``pre_decoder`` calls :meth:`prepend_dn_part`; in evaluation there is no
    denoising part, so inference costs what the baseline costs (unless
    :attr:`dn_at_inference`, for detectors given objects at inference).

    Args:
        dn_cfg (dict): the :class:`DnQueryGenerator` config; ``num_classes`` and
            ``embed_dims`` come from the head and the transformer.
    """

    def __init__(self, *args, dn_cfg: ConfigType, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.dn_query_generator = build_dn_query_generator(
            dn_cfg, num_classes=self.bbox_head.num_classes, embed_dims=self.embed_dims)

    #: Whether the batch's objects enter the denoising part at inference too, noise-free.
    dn_at_inference: bool = False

    @property
    def num_matching_queries(self) -> int:
        """L, the matching queries after the denoising part."""
        return self.num_queries

    def matching_label_content(self, batch_data_samples: OptSampleList) -> Tensor:
        """The label part of the matching queries' content, for the detectors whose
        matching queries take a label: the 'unknown' class with indicator 0 (§4.5),
        (L, D). A detector given labels (known-label detection) overrides it."""
        return self.dn_query_generator.matching_content(self.num_matching_queries)

    def forward_transformer(self, img_feats: Tuple[Tensor],
                            batch_data_samples: OptSampleList = None) -> Dict:
        """DETR's transformer pass, with the batch handed to ``pre_decoder``."""
        encoder_inputs_dict, decoder_inputs_dict = self.pre_transformer(
            img_feats, batch_data_samples)
        encoder_outputs_dict = self.forward_encoder(**encoder_inputs_dict)
        tmp_dec_in, head_inputs_dict = self.pre_decoder(
            **encoder_outputs_dict, batch_data_samples=batch_data_samples)
        decoder_inputs_dict.update(tmp_dec_in)
        decoder_outputs_dict = self.forward_decoder(**decoder_inputs_dict)
        head_inputs_dict.update(decoder_outputs_dict)
        return head_inputs_dict

    def prepend_dn_part(self, batch_data_samples: OptSampleList, query: Tensor,
                        anchors: Tensor, head_inputs_dict: Dict,
                        embed_anchors: Optional[Callable[[Tensor], Tensor]] = None
                        ) -> Tuple[Tensor, Tensor, Optional[Tensor]]:
        """Puts the denoising queries before the matching ones, in training (and, noise
        free, at inference if :attr:`dn_at_inference`).

        The layout [P*M denoising slots, L matching queries] is the one the heads'
        ``split_dn`` reads; ``dn_meta`` goes into ``head_inputs_dict``.

        Args:
            batch_data_samples (list[DetDataSample], optional): the batch.
            query (Tensor): the matching queries' content, (bs, L, D).
            anchors (Tensor): their positional inputs, (bs, L, ...).
            head_inputs_dict (dict): the head inputs, given ``dn_meta`` in training.
            embed_anchors (callable, optional): turns the noised boxes before sigmoid
                (bs, P*M, 4) into the form of ``anchors``; identity by default.

        Returns:
            tuple: ``query`` (bs, W, D), ``anchors`` (bs, W, ...) and ``attn_mask``
            (W, W), Eq. 7 additive (0 / -inf, so that its backward costs nothing), or
            None; W = P*M + L in training and L otherwise.
        """
        clean = not self.training
        if batch_data_samples is None or (clean and not self.dn_at_inference):
            return query, anchors, None
        dn_query, dn_anchor, attn_mask, head_inputs_dict['dn_meta'] = \
            self.dn_query_generator(batch_data_samples, self.num_matching_queries,
                                    mask_dtype=query.dtype, clean=clean)
        if embed_anchors is not None:
            dn_anchor = embed_anchors(dn_anchor)
        return (torch.cat([dn_query, query], dim=1), torch.cat([dn_anchor, anchors], dim=1),
                attn_mask)
