import math

import torch

from mmdet.models.layers import coordinate_to_encoding
from mmdn.models.layers import (
    AnchorDetrTransformerDecoder,
    AnchorDetrTransformerEncoder,
    sine_embedding_1d,
)

DIMS = 16
ATTN = dict(embed_dims=DIMS, num_heads=4)
FFN = dict(embed_dims=DIMS, feedforward_channels=32)


def test_sine_embedding_1d():
    pos = torch.rand(2, 5)
    emb = sine_embedding_1d(pos, DIMS)
    assert emb.shape == (2, 5, DIMS)
    # Element 2i is sin(2 pi x / T^(2i/D)) and 2i + 1 its cos.
    expect = 2 * math.pi * pos[..., None] / 10000 ** (torch.arange(0, DIMS, 2) / DIMS)
    torch.testing.assert_close(emb[..., 0::2], expect.sin())
    torch.testing.assert_close(emb[..., 1::2], expect.cos())
    # mmdet's 2-D encoding of (x, y) with D features per axis is [emb(y), emb(x)].
    xy = torch.rand(2, 5, 2)
    torch.testing.assert_close(coordinate_to_encoding(xy, DIMS),
                               torch.cat([sine_embedding_1d(xy[..., 1], DIMS),
                                          sine_embedding_1d(xy[..., 0], DIMS)], -1))


def test_encoder_and_decoder_shapes():
    torch.manual_seed(0)
    encoder = AnchorDetrTransformerEncoder(2, dict(self_attn_cfg=ATTN, ffn_cfg=FFN))
    decoder = AnchorDetrTransformerDecoder(
        3, dict(self_attn_cfg=ATTN, cross_attn_cfg=ATTN, ffn_cfg=FFN))
    bs, height, width, num_queries = 2, 4, 6, 5
    feat = torch.randn(bs, height, width, DIMS)
    pos_x, pos_y = torch.randn(bs, width, DIMS), torch.randn(bs, height, DIMS)
    padding = torch.zeros(bs, height, width, dtype=torch.bool)
    padding[0, :, 4:] = True
    memory = encoder(feat, pos_x, pos_y, padding)
    assert memory.shape == feat.shape
    query_kwargs = {k: torch.randn(bs, num_queries, DIMS)
                    for k in ('query_pos', 'query_pos_x', 'query_pos_y')}
    query = torch.randn(bs, num_queries, DIMS)
    out = decoder(query, memory, pos_x, pos_y, padding, **query_kwargs)
    assert out.shape == (3, bs, num_queries, DIMS)
