import torch
from torch import nn

from mmdn.models.layers import DABDeformablePPTransformerDecoder


def _decoder(num_layers=3, dims=32):
    layer_cfg = dict(
        self_attn_cfg=dict(embed_dims=dims, num_heads=4, batch_first=True),
        cross_attn_cfg=dict(embed_dims=dims, num_heads=4, num_levels=2, num_points=2,
                            dropout=0., batch_first=True),
        ffn_cfg=dict(embed_dims=dims, feedforward_channels=64, ffn_drop=0.))
    return DABDeformablePPTransformerDecoder(num_layers=num_layers, layer_cfg=layer_cfg,
                                               post_norm_cfg=None, return_intermediate=True)


def _inputs(bs=2, num_queries=5, dims=32):
    shapes = torch.tensor([[4, 6], [2, 3]])
    value = torch.randn(bs, int(shapes.prod(1).sum()), dims)
    return dict(value=value, key_padding_mask=torch.zeros(bs, value.size(1), dtype=torch.bool),
                reference_points=torch.rand(bs, num_queries, 4) * 0.5 + 0.25,
                spatial_shapes=shapes, level_start_index=torch.tensor([0, 24]),
                valid_ratios=torch.ones(bs, 2, 2))


def test_shapes_and_refinement():
    torch.manual_seed(0)
    decoder = _decoder()
    reg = nn.ModuleList([nn.Linear(32, 4) for _ in range(3)])
    inputs = _inputs()
    query = torch.randn(2, 5, 32)
    states, refs = decoder(query=query, reg_branches=reg, **inputs)
    assert states.shape == (3, 2, 5, 32) and refs.shape == (3, 2, 5, 4)
    assert not refs.requires_grad  # detached, as the official code
    # Each layer's anchors: the previous ones refined by that layer's branch.
    previous = inputs['reference_points']
    for lid in range(3):
        expected = (reg[lid](states[lid]) + torch.logit(previous, eps=1e-5)).sigmoid()
        torch.testing.assert_close(refs[lid], expected.detach(), rtol=1e-4, atol=1e-5)
        previous = refs[lid]


def test_query_scale_acts_from_the_second_layer():
    """Zeroing query_scale's output changes layers 1.. but not layer 0."""
    torch.manual_seed(0)
    decoder = _decoder()
    reg = nn.ModuleList([nn.Linear(32, 4) for _ in range(3)])
    inputs, query = _inputs(), torch.randn(2, 5, 32)
    ref_states, _ = decoder(query=query, reg_branches=reg, **inputs)
    last = decoder.query_scale.layers[-1]
    nn.init.zeros_(last.weight)
    nn.init.zeros_(last.bias)
    states, _ = decoder(query=query, reg_branches=reg, **inputs)
    torch.testing.assert_close(states[0], ref_states[0])
    assert not torch.allclose(states[1], ref_states[1])
