"""What denoising training adds to any DETR-like detector (paper §4, Eqs. 3-4)."""
import copy
from typing import Dict, Optional, Tuple

from torch import Tensor

from mmdet.registry import MODELS
from mmdet.structures import OptSampleList
from mmdet.utils import ConfigType


class DNDetectorMixin:
    """Builds the :class:`DnQueryGenerator` from ``dn_cfg`` and hands the batch to
    ``pre_decoder``, which puts the denoising part before the matching queries.

    Put it before an mmdet ``DetectionTransformer`` subclass in the bases. The subclass's
    ``pre_decoder`` calls :meth:`dn_part` and concatenates; in evaluation there is no
    denoising part, so inference costs what the baseline costs.

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
        """L, the matching queries after the denoising part."""
        return self.num_queries

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

    def dn_part(self, batch_data_samples: OptSampleList, query: Tensor
                ) -> Optional[Tuple[Tensor, Tensor, Optional[Tensor], Dict]]:
        """The denoising queries in training, None otherwise.

        Args:
            batch_data_samples (list[DetDataSample], optional): the batch.
            query (Tensor): the matching queries, (bs, L, D), for the dtype.

        Returns:
            tuple, optional: ``dn_query`` (bs, P*M, D), ``dn_anchor`` (bs, P*M, 4)
            before sigmoid, ``attn_mask`` (P*M + L, P*M + L) additive (0 / -inf, so
            that its backward costs nothing) or None, and ``dn_meta``.
        """
        if not self.training or batch_data_samples is None:
            return None
        return self.dn_query_generator(batch_data_samples, self.num_matching_queries,
                                       mask_dtype=query.dtype)
