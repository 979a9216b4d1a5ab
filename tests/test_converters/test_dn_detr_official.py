"""The official DN-DAB-DETR key table converts to mmdn's models exactly."""
from pathlib import Path

import pytest
import torch
from mmengine.config import Config

from mmdet.registry import MODELS
from mmdn.converters import (
    COCO_CATEGORY_IDS,
    ConversionError,
    convert_official,
    official_dn_dab_deformable_detr_encoder_only_shapes,
    official_dn_dab_deformable_detr_shapes,
    official_dn_dab_detr_shapes,
    official_family,
)

REPO = Path(__file__).resolve().parents[2]


def official_state(table=official_dn_dab_detr_shapes, **kwargs):
    gen = torch.Generator().manual_seed(0)
    state = {k: torch.randn(shape, generator=gen) for k, shape in table(**kwargs).items()}
    for k in list(state):  # the decoder shares the head's box branch
        if k.startswith('transformer.decoder.bbox_embed.'):
            state[k] = state[k[len('transformer.decoder.'):]]
    return state


def build(config):
    cfg = Config.fromfile(REPO / config)
    return MODELS.build(cfg.model)


@pytest.mark.parametrize('depth,patterns,config', [
    (50, 0, 'configs/dn_dab_detr_r50_50e.py'),
    (50, 3, 'configs/dn_dab_detr_r50_dc5_12e.py'),
])
def test_loads_strictly_with_classes_and_queries_in_place(depth, patterns, config):
    state = official_state(depth=depth, num_patterns=patterns)
    assert official_family(state) == 'dn_dab_detr'
    converted, dropped = convert_official(state)
    assert sorted(dropped) == sorted(k for k in state
                                     if k.startswith('transformer.decoder.bbox_embed.'))
    model = build(config)
    model.load_state_dict(converted, strict=True)
    ids = list(COCO_CATEGORY_IDS)
    assert len(ids) == 80 and ids[:3] == [1, 2, 3] and ids[-1] == 90 and 12 not in ids
    # Label i is COCO category ids[i]: the official row of that id.
    assert torch.equal(model.bbox_head.fc_cls.weight, state['class_embed.weight'][ids])
    assert torch.equal(model.bbox_head.fc_cls.bias, state['class_embed.bias'][ids])
    table = model.dn_query_generator.label_embedding.weight
    assert torch.equal(table[:80], state['label_enc.weight'][ids])
    assert torch.equal(table[80], state['label_enc.weight'][91])  # 'unknown'
    assert torch.equal(model.query_embedding.weight, state['refpoint_embed.weight'])
    if patterns:
        assert torch.equal(model.patterns.weight, state['transformer.patterns.weight'])
    layer = model.decoder.layers[2]
    assert torch.equal(layer.cross_attn.qpos_sine_proj.weight,
                       state['transformer.decoder.layers.2.ca_qpos_sine_proj.weight'])
    assert torch.equal(layer.ffn.layers[0][1].weight,
                       state['transformer.decoder.layers.2.activation.weight'])
    assert torch.equal(layer.norms[2].bias, state['transformer.decoder.layers.2.norm3.bias'])
    assert torch.equal(model.backbone.layer4[2].bn3.running_var,
                       state['backbone.0.body.layer4.2.bn3.running_var'])
    assert torch.equal(model.neck.convs[0].conv.weight, state['input_proj.weight'])


def test_distributed_prefix_is_removed():
    state = {f'module.{k}': v for k, v in official_state().items()}
    converted, _ = convert_official(state)
    assert 'bbox_head.fc_reg.layers.2.bias' in converted


def test_bad_sources_are_named():
    state = official_state()
    with pytest.raises(ConversionError, match='no rule for the official key extra.key'):
        convert_official(dict(state, **{'extra.key': torch.zeros(1)}))
    twin = dict(state)
    twin['transformer.decoder.bbox_embed.layers.0.bias'] = torch.zeros(256)
    with pytest.raises(ConversionError, match='differs from the head'):
        convert_official(twin)
    with pytest.raises(ConversionError, match='not an official DN-DETR model'):
        convert_official({'state_dict.conv.weight': torch.zeros(1)})


def test_deformable_pp_loads_strictly_with_its_layer_order():
    state = official_state(official_dn_dab_deformable_detr_shapes)
    assert official_family(state) == 'dn_dab_deformable_detr'
    converted, dropped = convert_official(state)
    assert len(dropped) == 6 * 6  # the decoder's copies of the 6 box branches
    model = build('configs/dn_deformable_detr_pp_r50_50e.py')
    model.load_state_dict(converted, strict=True)
    ids = list(COCO_CATEGORY_IDS)
    head = model.bbox_head
    for i in (0, 5):
        assert torch.equal(head.cls_branches[i].weight, state[f'class_embed.{i}.weight'][ids])
        assert torch.equal(head.reg_branches[i][4].bias, state[f'bbox_embed.{i}.layers.2.bias'])
    layer = model.decoder.layers[3]
    # Official decoder layer: self-attention, norm2; cross-attention, norm1; FFN, norm3.
    p = 'transformer.decoder.layers.3'
    assert torch.equal(layer.norms[0].weight, state[f'{p}.norm2.weight'])
    assert torch.equal(layer.norms[1].weight, state[f'{p}.norm1.weight'])
    assert torch.equal(layer.norms[2].weight, state[f'{p}.norm3.weight'])
    assert torch.equal(layer.self_attn.attn.in_proj_weight, state[f'{p}.self_attn.in_proj_weight'])
    assert torch.equal(layer.cross_attn.sampling_offsets.weight,
                       state[f'{p}.cross_attn.sampling_offsets.weight'])
    assert torch.equal(model.neck.extra_convs[0].conv.bias, state['input_proj.3.0.bias'])
    assert torch.equal(model.neck.convs[1].gn.weight, state['input_proj.1.1.weight'])
    assert torch.equal(model.level_embed, state['transformer.level_embed'])
    assert torch.equal(model.query_embedding.weight, state['tgt_embed.weight'])
    assert torch.equal(model.anchor_embedding.weight, state['refpoint_embed.weight'])


def test_deformable_encoder_only_loads_strictly():
    state = official_state(official_dn_dab_deformable_detr_encoder_only_shapes)
    assert official_family(state) == 'dn_dab_deformable_detr_deformable_encoder_only'
    converted, _ = convert_official(state)
    model = build('configs/dn_deformable_detr_r50_50e.py')
    model.load_state_dict(converted, strict=True)
    p = 'transformer.decoder.layers.1'
    layer = model.decoder.layers[1]
    assert torch.equal(layer.cross_attn.out_proj.weight, state[f'{p}.ca_out_v_proj.weight'])
    assert torch.equal(layer.level_attn.bias, state[f'{p}.lvl_attn.bias'])
    assert torch.equal(layer.norms[0].weight, state[f'{p}.norm1.weight'])  # DAB's order
    assert torch.equal(model.encoder.layers[4].norms[1].bias,
                       state['transformer.encoder.layers.4.norm2.bias'])
    assert torch.equal(model.patterns.weight, state['transformer.patterns.weight'])
