"""SAM-DETR++'s decoder: the Semantic Aligner's RoI features and salient points, SMCA's
weights and the coarse-to-fine level schedule, against hand computations."""
import pytest
import torch

from mmdn.models.layers import SamDetrTransformerDecoder, SamDetrTransformerDecoderLayer


def ramp(bs, dims, h, w):
    """A memory whose every channel at cell (y, x) holds x + 0.5, the cell centre's x."""
    x = torch.arange(w, dtype=torch.float32) + 0.5
    return x.expand(bs, dims, h, w).contiguous()


def test_roi_features_are_roi_align_of_the_box_on_the_unpadded_map():
    """On a map linear in x, each RoI bin holds the x of its centre: the box (in the
    unpadded part of the map, scaled by the valid ratio) is where RoIAlign reads."""
    layer = SamDetrTransformerDecoderLayer(embed_dims=16, num_heads=4, with_smca=False)
    h, w = 10, 20
    # The memory as the decoder has it: flattened cells, viewed back (not contiguous).
    flat = ramp(2, 16, h, w).flatten(2).transpose(1, 2).contiguous()  # (bs, h * w, D)
    memory = flat.transpose(1, 2).reshape(2, 16, h, w)
    assert not memory.is_contiguous()
    boxes = torch.tensor([[[0.5, 0.5, 0.7, 0.4]], [[0.35, 0.5, 0.5, 0.5]]])  # (2, 1, 4)
    valid = torch.tensor([[1.0, 1.0], [0.5, 1.0]])  # image 1: right half is padding
    rois = layer.roi_features(memory, boxes, valid)
    assert rois.shape == (2, 16, 7, 7)
    for image, (cx, bw) in enumerate(((0.5, 0.7), (0.35, 0.5))):
        x1 = (cx - bw / 2) * w * valid[image, 0]
        x2 = (cx + bw / 2) * w * valid[image, 0]
        centres = x1 + (torch.arange(7) + 0.5) * (x2 - x1) / 7
        torch.testing.assert_close(rois[image, 0], centres.expand(7, 7))


def test_salient_points_at_zero_offset_sample_the_box_centre():
    """With the point predictor's last layer at zero every head samples the RoI's centre
    (the box centre), gated by sigmoid(0) = 0.5; the salient points are the centre."""
    layer = SamDetrTransformerDecoderLayer(embed_dims=16, num_heads=4)
    torch.nn.init.zeros_(layer.point2[-1].weight)
    torch.nn.init.zeros_(layer.point2[-1].bias)
    torch.nn.init.zeros_(layer.attn1.weight)
    torch.nn.init.zeros_(layer.attn1.bias)
    boxes = torch.tensor([[[0.3, 0.6, 0.2, 0.4], [0.7, 0.5, 0.4, 0.2]]])
    content, salient, scales = layer.semantic_aligner(
        torch.randn(1, 2, 16), boxes, ramp(1, 16, 8, 10), torch.ones(1, 2))
    assert content.shape == (1, 2, 4, 16) and scales.shape == (2, 8)
    expected = (boxes[0, :, 0] * 10 * 0.5)[:, None, None].expand(2, 4, 16)
    torch.testing.assert_close(content[0], expected)
    torch.testing.assert_close(salient, boxes[:, :, None, :2].expand(1, 2, 4, 2))


def test_smca_weights_by_hand():
    layer = SamDetrTransformerDecoderLayer(embed_dims=16, num_heads=2)
    salient = torch.tensor([[[[0.5, 0.25], [0.1, 0.9]]]])  # (1, 1, 2 heads, 2)
    scales = torch.tensor([[1.0, 2.0, 0.5, 3.0]])  # (1 * 1, 2H)
    h, w = 2, 4
    weights = layer.smca_weights(salient, scales, (h, w), torch.tensor([[1.0, 0.5]]))
    assert weights.shape == (1, 2, 1, h * w)
    for head in range(2):
        px, py = salient[0, 0, head, 0] * w, salient[0, 0, head, 1] * h * 0.5
        sx, sy = scales[0, 2 * head] ** 2, scales[0, 2 * head + 1] ** 2
        for y in range(h):
            for x in range(w):
                expected = -(sx * (px - x - 0.5) ** 2 + sy * (py - y - 0.5) ** 2) / 8
                torch.testing.assert_close(weights[0, head, 0, y * w + x], expected)


@pytest.mark.parametrize('num_layers, levels', [(6, [2, 2, 1, 1, 0, 0]), (3, [2, 1, 0])])
def test_layers_read_the_pyramid_coarse_to_fine(num_layers, levels):
    decoder = SamDetrTransformerDecoder(num_layers=num_layers,
                                        layer_cfg=dict(embed_dims=16, num_heads=4))
    assert [decoder.level_of_layer(i) for i in range(num_layers)] == levels


def test_padding_is_masked_in_cross_attention():
    """Memory cells under the padding mask do not change a query's output."""
    torch.manual_seed(0)
    layer = SamDetrTransformerDecoderLayer(embed_dims=16, num_heads=4, dropout=0.)
    h, w = 4, 6
    memory, pos = torch.randn(1, h * w, 16), torch.randn(1, h * w, 16)
    mask = torch.zeros(1, h, w, dtype=torch.bool)
    mask[:, :, 3:] = True
    args = dict(ref_boxes=torch.tensor([[[0.5, 0.5, 0.5, 0.5]]]), memory_pos=pos,
                memory_mask=mask.flatten(1), level_shape=(h, w),
                valid_ratio=torch.tensor([[0.5, 1.0]]))
    query = torch.randn(1, 1, 16)
    out = layer(query, memory=memory, **args)
    changed = memory.clone().view(1, h, w, 16)
    changed[:, :, 3:] = torch.randn(1, h, 3, 16) * 10
    torch.testing.assert_close(layer(query, memory=changed.view(1, h * w, 16), **args), out)


def test_sine_embeddings_take_no_gradient(monkeypatch):
    """As the official ``gen_sineembed_for_position`` (under ``torch.no_grad``): the
    reference boxes and the salient points reach the sine embeddings detached, while
    they still get gradients through RoIAlign's sampling and SMCA."""
    import mmdn.models.layers.sam_detr_layers as sam
    seen = []
    original = sam._sine_embedding
    monkeypatch.setattr(sam, '_sine_embedding',
                        lambda points, dims: seen.append(points.requires_grad) or
                        original(points, dims))
    torch.manual_seed(0)
    layer = SamDetrTransformerDecoderLayer(embed_dims=16, num_heads=4, dropout=0.)
    torch.nn.init.normal_(layer.point2[-1].weight, std=0.1)
    h, w = 4, 6
    boxes = torch.tensor([[[0.5, 0.5, 0.5, 0.5]]], requires_grad=True)
    out = layer(torch.randn(1, 1, 16), boxes, torch.randn(1, h * w, 16),
                torch.randn(1, h * w, 16), None, (h, w), torch.ones(1, 2))
    # Not out.sum(): the layer ends in a LayerNorm, whose outputs sum to a constant.
    (out * torch.randn_like(out)).sum().backward()
    assert seen == [False, False]  # the box centres, then the salient points
    assert boxes.grad is not None and boxes.grad.abs().sum() > 1e-4  # through SMCA
    assert layer.point2[-1].weight.grad.abs().sum() > 1e-4


def test_salient_point_layer_starts_with_a_zero_bias():
    """The official init: the last point layer zeroed, then the transformer's Xavier init
    redraws its weight (dim > 1), so only its bias stays zero; the config's model too."""
    from mmengine.config import Config

    from mmdet.registry import MODELS
    from ...conftest import REPO
    layer = SamDetrTransformerDecoderLayer(embed_dims=16, num_heads=4)
    assert torch.equal(layer.point2[-1].bias, torch.zeros(16))
    model = MODELS.build(Config.fromfile(REPO / 'configs/sam_detr_pp_r50_12e.py').model)
    model.init_weights()
    for decoder_layer in model.decoder.layers:
        assert torch.equal(decoder_layer.point2[-1].bias, torch.zeros(8 * 4))
        assert decoder_layer.point2[-1].weight.abs().sum() > 0  # Xavier, not zero


def test_encoder_ffn_is_half_the_decoders():
    """Official multi-scale SAM-DETR: the encoder's FFN is 1024 wide, the decoder's 2048."""
    from mmengine.config import Config

    from mmdet.registry import MODELS
    from ...conftest import REPO
    model = MODELS.build(Config.fromfile(REPO / 'configs/sam_detr_pp_r50_12e.py').model)
    ffn = model.encoder.layers[0].ffn
    assert sum(p.numel() for p in ffn.parameters()) == 256 * 1024 + 1024 + 1024 * 256 + 256
    assert model.decoder.layers[0].linear1.out_features == 2048
