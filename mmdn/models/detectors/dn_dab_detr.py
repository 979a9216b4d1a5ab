"""DN-DAB-DETR: DAB-DETR trained with query denoising (paper §4, Eqs. 3-4)."""
from typing import Dict, Optional

from torch import Tensor

from mmdet.models.detectors import DABDETR
from mmdet.registry import MODELS
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
    The contract's default hooks fit as they are: anchors ``query_pos`` (bs, L, 4)
    before sigmoid, the noised boxes taken as they come.

    Args:
        dn_cfg (dict): the :class:`DnQueryGenerator` config (see
            :class:`DNDetectorMixin`).
    """

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
