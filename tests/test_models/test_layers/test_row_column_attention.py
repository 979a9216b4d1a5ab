import pytest
import torch

from mmdn.models.layers import RowColumnDecoupledAttention


def reference_rcda(attn, query_x, query_y, key_x_map, key_y_map, value, padding):
    """The official formula: project the (H, W) key maps, then average them (x keys over
    rows, y keys over columns); the weight of value (h, w) is a_y[h] * a_x[w]."""
    bs, height, width, dims = value.shape
    heads, d = attn.num_heads, dims // attn.num_heads

    def split(x):  # (bs, N, D) -> (bs, heads, N, d)
        return x.view(bs, -1, heads, d).transpose(1, 2)

    k_x = attn.k_x_proj(key_x_map).mean(1)
    k_y = attn.k_y_proj(key_y_map).mean(2)
    a_x = split(attn.q_x_proj(query_x)) @ split(k_x).transpose(-1, -2) / d ** 0.5
    a_y = split(attn.q_y_proj(query_y)) @ split(k_y).transpose(-1, -2) / d ** 0.5
    a_x = a_x.masked_fill(padding[:, 0, :][:, None, None], float('-inf')).softmax(-1)
    a_y = a_y.masked_fill(padding[:, :, 0][:, None, None], float('-inf')).softmax(-1)
    weights = a_y[..., :, None] * a_x[..., None, :]  # (bs, heads, Q, H, W)
    v = attn.v_proj(value).view(bs, height, width, heads, d).permute(0, 3, 1, 2, 4)
    out = torch.einsum('bnqhw,bnhwd->bnqd', weights, v)
    return attn.out_proj(out.transpose(1, 2).reshape(bs, -1, dims))


@pytest.mark.parametrize('height,width', [(3, 5), (6, 4)])  # both contraction orders
def test_equals_the_official_formula_with_padding(height, width):
    torch.manual_seed(0)
    attn = RowColumnDecoupledAttention(16, 4)
    attn.init_weights()
    bs, num_queries = 2, 7
    value = torch.randn(bs, height, width, 16)
    pos_x, pos_y = torch.randn(bs, width, 16), torch.randn(bs, height, 16)
    query_x, query_y = torch.randn(bs, num_queries, 16), torch.randn(bs, num_queries, 16)
    padding = torch.zeros(bs, height, width, dtype=torch.bool)
    padding[1, :, width - 2:] = True
    padding[1, height - 1:, :] = True
    out = attn(query_x, query_y, value.mean(1) + pos_x, value.mean(2) + pos_y, value, padding)
    assert out.shape == (bs, num_queries, 16)
    ref = reference_rcda(attn, query_x, query_y, value + pos_x[:, None],
                         value + pos_y[:, :, None], value, padding)
    torch.testing.assert_close(out, ref, rtol=1e-5, atol=1e-5)
    # Values at padding get no weight.
    changed = value.clone()
    changed[1, :, width - 2:] = 100.
    changed[1, height - 1:, :] = -100.
    out_changed = attn(query_x, query_y, value.mean(1) + pos_x, value.mean(2) + pos_y,
                       changed, padding)
    torch.testing.assert_close(out_changed[1], out[1])


def test_bad_head_count_is_refused():
    with pytest.raises(ValueError, match='divisible by num_heads'):
        RowColumnDecoupledAttention(10, 3)
