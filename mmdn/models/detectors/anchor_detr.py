"""Anchor DETR (Wang et al., arXiv 2109.07107): 2-D anchor-point queries with patterns."""
from typing import Dict, Optional, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from mmdet.models.detectors import DetectionTransformer
from mmdet.models.layers import MLP, coordinate_to_encoding
from mmdet.registry import MODELS
from mmdet.structures import OptSampleList
from ..layers.anchor_detr_layers import (
    AnchorDetrTransformerDecoder,
    AnchorDetrTransformerEncoder,
    sine_embedding_1d,
)


@MODELS.register_module()
class AnchorDETR(DetectionTransformer):
    """Anchor DETR on one feature level (the paper's DC5 model, Table 3 of DN-DETR).

    ``num_queries`` learnt anchor points (cx, cy), initialised uniformly in [0, 1], are
    each paired with every one of ``num_patterns`` pattern embeddings: L =
    num_queries * num_patterns decoder queries, pattern-major (query ``p * N + n`` has
    pattern p and point n) as the official code. A query's content is its pattern; its
    positions are ``adapt_pos2d`` of the point's 2-D sine embedding (self-attention) and
    ``adapt_pos1d`` of its x and y sine embeddings (row-column cross-attention). The map's
    columns and rows get ``adapt_pos1d`` of their normalised centre coordinates, which
    ignore padding (the official ``mask2pos``). Points are not refined between layers;
    the head adds each layer's (dx, dy) to the point before sigmoid.

    Follows the official code (megvii-research/AnchorDETR) except: the two RCDA keys are
    averaged before their projection (the same values, see
    :class:`~mmdn.models.layers.RowColumnDecoupledAttention`) and the classes are mmdet's
    contiguous ones instead of 91 COCO ids.

    Args:
        num_patterns (int): pattern embeddings per anchor point. Default 3.
        *args, **kwargs: :class:`DetectionTransformer`'s; ``encoder`` and ``decoder`` are
            the configs of :class:`AnchorDetrTransformerEncoder` / ``Decoder``.
    """

    def __init__(self, *args, num_patterns: int = 3, **kwargs) -> None:
        if not isinstance(num_patterns, int) or num_patterns < 1:
            raise ValueError(f'model.num_patterns must be an int >= 1, got {num_patterns!r}')
        self.num_patterns = num_patterns
        super().__init__(*args, **kwargs)

    def _init_layers(self) -> None:
        """Encoder, decoder, anchor points, patterns and the positional adapters."""
        self.encoder = AnchorDetrTransformerEncoder(**self.encoder)
        self.decoder = AnchorDetrTransformerDecoder(**self.decoder)
        self.embed_dims = self.encoder.embed_dims
        dims = self.embed_dims
        self.anchor_points = nn.Embedding(self.num_queries, 2)
        self.pattern_embedding = nn.Embedding(self.num_patterns, dims)
        self.adapt_pos1d = MLP(dims, dims, dims, 2)
        self.adapt_pos2d = MLP(dims, dims, dims, 2)

    def init_weights(self) -> None:
        """Anchor points uniform in [0, 1] as the official ``learned`` spatial prior."""
        super().init_weights()
        nn.init.uniform_(self.anchor_points.weight, 0, 1)

    def pre_transformer(self, img_feats: Tuple[Tensor],
                        batch_data_samples: OptSampleList = None) -> Tuple[Dict, Dict]:
        """The map, its padding mask and its column / row embeddings.

        Returns:
            tuple[dict, dict]: encoder inputs ``query`` (bs, H, W, D), ``pos_x``
            (bs, W, D), ``pos_y`` (bs, H, D), ``key_padding_mask`` (bs, H, W); decoder
            inputs, the last three.
        """
        feat = img_feats[-1]
        bs, _, height, width = feat.shape
        input_h, input_w = batch_data_samples[0].batch_input_shape
        masks = feat.new_ones((bs, input_h, input_w))
        for img_id, sample in enumerate(batch_data_samples):
            # Indexing the batch tensor itself (not a view of one image): an ONNX export
            # keeps writes into the base tensor only.
            img_h, img_w = sample.img_shape
            masks[img_id, :img_h, :img_w] = 0
        masks = F.interpolate(masks[:, None], size=(height, width)).bool()[:, 0]
        # Normalised centres of the unpadded columns and rows (padding goes beyond 1).
        x = (~masks[:, 0, :]).cumsum(1, dtype=torch.float32)
        y = (~masks[:, :, 0]).cumsum(1, dtype=torch.float32)
        x, y = (x - 0.5) / x[:, -1:], (y - 0.5) / y[:, -1:]
        pos_x = self.adapt_pos1d(sine_embedding_1d(x, self.embed_dims))
        pos_y = self.adapt_pos1d(sine_embedding_1d(y, self.embed_dims))
        decoder_inputs_dict = dict(pos_x=pos_x, pos_y=pos_y, key_padding_mask=masks)
        encoder_inputs_dict = dict(query=feat.permute(0, 2, 3, 1), **decoder_inputs_dict)
        return encoder_inputs_dict, decoder_inputs_dict

    def forward_encoder(self, query: Tensor, pos_x: Tensor, pos_y: Tensor,
                        key_padding_mask: Tensor) -> Dict:
        """RCDA encoder: ``memory`` (bs, H, W, D)."""
        return dict(memory=self.encoder(query, pos_x, pos_y, key_padding_mask))

    def pre_decoder(self, memory: Tensor) -> Tuple[Dict, Dict]:
        """The matching queries: ``query`` (bs, L, D) patterns and ``anchors`` (bs, L, 2)
        points in [0, 1], with ``memory``; no head inputs."""
        bs = memory.size(0)
        query = self.pattern_embedding.weight.repeat_interleave(self.num_queries, 0)
        anchors = self.anchor_points.weight.repeat(self.num_patterns, 1)
        return dict(query=query.expand(bs, -1, -1), anchors=anchors.expand(bs, -1, -1),
                    memory=memory), {}

    def forward_decoder(self, query: Tensor, anchors: Tensor, memory: Tensor, pos_x: Tensor,
                        pos_y: Tensor, key_padding_mask: Tensor,
                        self_attn_mask: Optional[Tensor] = None) -> Dict:
        """The decoder with the anchors' positional queries, computed once for all layers.

        Args:
            query (Tensor): (bs, Q, D).
            anchors (Tensor): (bs, Q, 2) points (cx, cy) in [0, 1].
            memory (Tensor): (bs, H, W, D).
            pos_x, pos_y, key_padding_mask: from :meth:`pre_transformer`.
            self_attn_mask (Tensor, optional): (Q, Q) self-attention mask.

        Returns:
            dict: ``hidden_states`` (num_layers, bs, Q, D) and ``references``
            (num_layers, bs, Q, 2), the anchors of every layer.
        """
        pos_xy = self.adapt_pos1d(sine_embedding_1d(anchors, self.embed_dims))
        hidden_states = self.decoder(
            query, value=memory, pos_x=pos_x, pos_y=pos_y, key_padding_mask=key_padding_mask,
            query_pos=self.adapt_pos2d(coordinate_to_encoding(anchors, self.embed_dims // 2)),
            query_pos_x=pos_xy[..., 0, :], query_pos_y=pos_xy[..., 1, :],
            self_attn_mask=self_attn_mask)
        references = anchors.expand(hidden_states.size(0), -1, -1, -1)
        return dict(hidden_states=hidden_states, references=references)
