import pytest
import torch

from mmdet.models.layers.transformer import ConditionalAttention
from mmdn.models.layers import (
    MultiLevelConditionalAttention,
    MultiLevelDABDetrTransformerDecoderLayer,
)

DIMS, HEADS = 32, 4


def _attention(num_levels):
    torch.manual_seed(0)
    attn = MultiLevelConditionalAttention(embed_dims=DIMS, num_heads=HEADS, cross_attn=True,
                                          num_levels=num_levels)
    single = ConditionalAttention(embed_dims=DIMS, num_heads=HEADS, cross_attn=True)
    single.load_state_dict(attn.state_dict())
    return attn, single


def _inputs(bs=2, num_queries=5, sizes=(12, 6)):
    n = sum(sizes)
    return dict(query=torch.randn(bs, num_queries, DIMS), key=torch.randn(bs, n, DIMS),
                query_pos=torch.randn(bs, num_queries, DIMS),
                ref_sine_embed=torch.randn(bs, num_queries, DIMS),
                key_pos=torch.randn(bs, n, DIMS))


@pytest.mark.parametrize('is_first', [True, False])
def test_one_level_is_conditional_attention(is_first):
    attn, single = _attention(1)
    inputs = _inputs(sizes=(18, ))
    out = attn(**inputs, level_sizes=[18], level_weights=torch.ones(2, 5, 1),
               is_first=is_first)
    torch.testing.assert_close(out, single(**inputs, is_first=is_first))


def test_levels_are_attended_separately_and_mixed_by_the_weights():
    attn, single = _attention(2)
    inputs = _inputs()
    weights = torch.rand(2, 5, 2).softmax(-1)
    mask = torch.zeros(2, 18, dtype=torch.bool)
    mask[1, 9:12] = mask[0, 15:] = True  # some padding in each level
    out = attn(**inputs, level_sizes=[12, 6], level_weights=weights, key_padding_mask=mask,
               is_first=True)
    expected = inputs['query'].clone()
    for level, sl in enumerate((slice(0, 12), slice(12, 18))):
        per_level = dict(inputs, key=inputs['key'][:, sl], key_pos=inputs['key_pos'][:, sl])
        delta = single(**per_level, key_padding_mask=mask[:, sl],
                       is_first=True) - inputs['query']
        expected = expected + weights[..., level:level + 1] * delta
    torch.testing.assert_close(out, expected, rtol=1e-5, atol=1e-5)


def test_padded_keys_change_nothing():
    attn, _ = _attention(2)
    inputs = _inputs()
    mask = torch.zeros(2, 18, dtype=torch.bool)
    mask[:, 10:12] = True
    weights = torch.full((2, 5, 2), 0.5)
    out = attn(**inputs, level_sizes=[12, 6], level_weights=weights, key_padding_mask=mask)
    inputs['key'][:, 10:12] = 100.
    again = attn(**inputs, level_sizes=[12, 6], level_weights=weights, key_padding_mask=mask)
    torch.testing.assert_close(out, again)


def test_layer_level_weights_read_the_self_attention_query():
    torch.manual_seed(0)
    layer = MultiLevelDABDetrTransformerDecoderLayer(
        num_levels=2,
        self_attn_cfg=dict(embed_dims=DIMS, num_heads=HEADS, cross_attn=False),
        cross_attn_cfg=dict(embed_dims=DIMS, num_heads=HEADS, cross_attn=True),
        ffn_cfg=dict(embed_dims=DIMS, feedforward_channels=64))
    inputs = _inputs()
    seen = {}

    def spy(**kwargs):
        seen.update(kwargs)
        return kwargs['query']

    layer.cross_attn.forward = spy
    layer(inputs['query'], inputs['key'], inputs['query_pos'], inputs['key_pos'],
          level_sizes=[12, 6], ref_sine_embed=inputs['ref_sine_embed'], is_first=True)
    sa = layer.self_attn
    expected = layer.level_attn(sa.qcontent_proj(inputs['query']) +
                                sa.qpos_proj(inputs['query_pos'])).softmax(-1)
    torch.testing.assert_close(seen['level_weights'], expected)
    assert seen['level_sizes'] == [12, 6]


def test_self_attention_type_is_refused():
    with pytest.raises(ValueError, match='cross_attn=True'):
        MultiLevelConditionalAttention(embed_dims=DIMS, num_heads=HEADS, cross_attn=False,
                                       num_levels=2)
