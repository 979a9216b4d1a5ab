import pytest
import torch

from mmdet.models.layers.transformer import ConditionalAttention
from mmdn.models.layers import GroupedConditionalSelfAttention, QueryGroups, dn_attention_mask

DIMS, HEADS, BS = 32, 4, 2


def _attentions():
    torch.manual_seed(0)
    grouped = GroupedConditionalSelfAttention(embed_dims=DIMS, num_heads=HEADS,
                                              cross_attn=False)
    dense = ConditionalAttention(embed_dims=DIMS, num_heads=HEADS, cross_attn=False)
    dense.load_state_dict(grouped.state_dict())
    return grouped, dense


def _inputs(num_queries):
    query = torch.randn(BS, num_queries, DIMS, requires_grad=True)
    return dict(query=query, key=query, query_pos=torch.randn(BS, num_queries, DIMS))


@pytest.mark.parametrize('num_dn_groups, group_size', [(0, 0), (3, 2), (2, 1)])
@pytest.mark.parametrize('dtype', [torch.float32, torch.bool])
def test_groups_apart_equal_the_dense_eq7_mask(num_dn_groups, group_size, dtype):
    """Outputs and input gradients of the group-by-group pass equal those under the
    dense (W, W) mask of Eq. 7 with 3 matching groups of 4, with or without a
    denoising part, with an additive or a boolean mask."""
    grouped, dense = _attentions()
    num_dn, groups, group_len = num_dn_groups * group_size, 3, 4
    num_queries = num_dn + groups * group_len
    mask = dn_attention_mask(num_dn_groups, group_size, groups * group_len, dtype=dtype,
                             num_matching_groups=groups)
    inputs = _inputs(num_queries)
    expected = dense(**inputs, attn_mask=mask)
    (grad_expected, ) = torch.autograd.grad(expected.square().sum(), inputs['query'])
    out = grouped(**inputs, attn_mask=QueryGroups(groups, mask[:num_dn] if num_dn else None))
    (grad, ) = torch.autograd.grad(out.square().sum(), inputs['query'])
    assert out.shape == (BS, num_queries, DIMS)
    torch.testing.assert_close(out, expected)
    torch.testing.assert_close(grad, grad_expected)


def test_a_dense_mask_or_none_is_conditional_attention():
    grouped, dense = _attentions()
    inputs = _inputs(7)
    mask = torch.rand(7, 7) < 0.3
    mask.fill_diagonal_(False)
    torch.testing.assert_close(grouped(**inputs, attn_mask=mask),
                               dense(**inputs, attn_mask=mask))
    torch.testing.assert_close(grouped(**inputs), dense(**inputs))


def test_matching_queries_that_do_not_form_the_groups_are_refused():
    grouped, _ = _attentions()
    with pytest.raises(ValueError, match='10 matching queries do not form 3 groups'):
        grouped(**_inputs(10), attn_mask=QueryGroups(3))
