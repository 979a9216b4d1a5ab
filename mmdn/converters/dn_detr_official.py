"""The official DN-DETR checkpoints (github IDEA-Research/DN-DETR) as mmdn state dicts.

The official models index their 91 class slots by COCO category id (``class_embed`` has
91 rows, ``label_enc`` 92: the ids and the 'unknown' class at row 91); mmdn's have
mmdet's 80 contiguous classes, label i being the i-th of :data:`COCO_CATEGORY_IDS`. The
conversion picks those rows (and row 91 as mmdn's 'unknown', row 80), renames every
other key, and accounts for each source key: used, or dropped for a stated reason.
"""
import re
from typing import Callable, Dict, List, Optional, Tuple, Union

import torch
from torch import Tensor

#: COCO category id of each of mmdet's 80 labels, in label order.
COCO_CATEGORY_IDS: Tuple[int, ...] = tuple(
    i for i in range(1, 91) if i not in (12, 26, 29, 30, 45, 66, 68, 69, 71, 83))

#: Official model families, recognised by a key only they have.
FAMILIES = {
    'dn_dab_detr': 'transformer.decoder.layers.0.ca_qpos_sine_proj.weight',
    'dn_dab_deformable_detr': 'transformer.decoder.layers.0.cross_attn.sampling_offsets.weight',
    'dn_dab_deformable_detr_deformable_encoder_only':
        'transformer.encoder.layers.0.self_attn.sampling_offsets.weight',
}


class ConversionError(ValueError):
    """A source that is not a supported official checkpoint, or one that does not fit."""


def official_family(state: Dict[str, Tensor]) -> str:
    """The official family of a state dict, by a key only it has: deformable attention
    in the decoder (v2), then in the encoder only, then DAB-DETR's decoder (which the
    encoder-only family shares).

    Raises:
        ConversionError: no family's keys are there.
    """
    for family in ('dn_dab_deformable_detr', 'dn_dab_deformable_detr_deformable_encoder_only',
                   'dn_dab_detr'):
        if FAMILIES[family] in state:
            return family
    raise ConversionError('not an official DN-DETR model: none of the keys '
                          f'{sorted(FAMILIES.values())} is in it')


Shapes = Dict[str, Tuple[int, ...]]


def _linear(shapes: Shapes, prefix: str, out: int, inp: int) -> None:
    shapes[f'{prefix}.weight'], shapes[f'{prefix}.bias'] = (out, inp), (out, )


def _norm(shapes: Shapes, prefix: str, channels: int, frozen_bn: bool = False) -> None:
    names = ('weight', 'bias', 'running_mean', 'running_var') if frozen_bn else ('weight',
                                                                              'bias')
    for name in names:
        shapes[f'{prefix}.{name}'] = (channels, )


def _mlp(shapes: Shapes, prefix: str, inp: int, hidden: int, out: int, layers: int) -> None:
    sizes = [inp] + [hidden] * (layers - 1) + [out]
    for i in range(layers):
        _linear(shapes, f'{prefix}.layers.{i}', sizes[i + 1], sizes[i])


def _resnet(shapes: Shapes, depth: int) -> None:
    """torchvision's ResNet-50 / 101 with frozen BN, under ``backbone.0.body``."""
    body = 'backbone.0.body'
    shapes[f'{body}.conv1.weight'] = (64, 3, 7, 7)
    _norm(shapes, f'{body}.bn1', 64, frozen_bn=True)
    inplanes = 64
    blocks = {50: (3, 4, 6, 3), 101: (3, 4, 23, 3)}[depth]
    for stage, (planes, count) in enumerate(zip((64, 128, 256, 512), blocks), 1):
        for b in range(count):
            p = f'{body}.layer{stage}.{b}'
            shapes[f'{p}.conv1.weight'] = (planes, inplanes, 1, 1)
            shapes[f'{p}.conv2.weight'] = (planes, planes, 3, 3)
            shapes[f'{p}.conv3.weight'] = (planes * 4, planes, 1, 1)
            for i, c in ((1, planes), (2, planes), (3, planes * 4)):
                _norm(shapes, f'{p}.bn{i}', c, frozen_bn=True)
            if b == 0:
                shapes[f'{p}.downsample.0.weight'] = (planes * 4, inplanes, 1, 1)
                _norm(shapes, f'{p}.downsample.1', planes * 4, frozen_bn=True)
            inplanes = planes * 4


def _ffn(shapes: Shapes, prefix: str, dims: int, ffn_dims: int, prelu: bool) -> None:
    _linear(shapes, f'{prefix}.linear1', ffn_dims, dims)
    _linear(shapes, f'{prefix}.linear2', dims, ffn_dims)
    if prelu:
        shapes[f'{prefix}.activation.weight'] = (1, )


def official_dn_dab_detr_shapes(depth: int = 50, num_patterns: int = 0,
                                num_queries: int = 300, dims: int = 256,
                                ffn_dims: int = 2048, num_layers: int = 6,
                                num_classes: int = 91, prelu: bool = True) -> Shapes:
    """Every key of an official DN-DAB-DETR (``models/DN_DAB_DETR``) and its shape.

    ResNet-50 / 101 (torchvision names, frozen BN buffers), 6 + 6 layers, PReLU FFNs
    (``prelu``, the default activation of the official training), ``bbox_embed`` shared
    with the decoder (so also under ``transformer.decoder``).
    """
    shapes: Shapes = {}
    _resnet(shapes, depth)
    for i in range(num_layers):
        p = f'transformer.encoder.layers.{i}'
        shapes[f'{p}.self_attn.in_proj_weight'] = (3 * dims, dims)
        shapes[f'{p}.self_attn.in_proj_bias'] = (3 * dims, )
        _linear(shapes, f'{p}.self_attn.out_proj', dims, dims)
        _ffn(shapes, p, dims, ffn_dims, prelu)
        for n in (1, 2):
            _norm(shapes, f'{p}.norm{n}', dims)
    _mlp(shapes, 'transformer.encoder.query_scale', dims, dims, dims, 2)
    for i in range(num_layers):
        p = f'transformer.decoder.layers.{i}'
        for name in ('qcontent', 'qpos', 'kcontent', 'kpos', 'v'):
            _linear(shapes, f'{p}.sa_{name}_proj', dims, dims)
        _linear(shapes, f'{p}.self_attn.out_proj', dims, dims)
        for name in ('qcontent', 'qpos', 'kcontent', 'kpos', 'v', 'qpos_sine'):
            if name != 'qpos' or i == 0:  # only the first layer adds the positional query
                _linear(shapes, f'{p}.ca_{name}_proj', dims, dims)
        _linear(shapes, f'{p}.cross_attn.out_proj', dims, dims)
        _ffn(shapes, p, dims, ffn_dims, prelu)
        for n in (1, 2, 3):
            _norm(shapes, f'{p}.norm{n}', dims)
    _norm(shapes, 'transformer.decoder.norm', dims)
    _mlp(shapes, 'transformer.decoder.query_scale', dims, dims, dims, 2)
    _mlp(shapes, 'transformer.decoder.ref_point_head', 2 * dims, dims, dims, 2)
    _mlp(shapes, 'transformer.decoder.ref_anchor_head', dims, dims, 2, 2)
    _mlp(shapes, 'transformer.decoder.bbox_embed', dims, dims, 4, 3)
    if num_patterns:
        shapes['transformer.patterns.weight'] = (num_patterns, dims)
    _linear(shapes, 'class_embed', num_classes, dims)
    shapes['label_enc.weight'] = (num_classes + 1, dims - 1)
    _mlp(shapes, 'bbox_embed', dims, dims, 4, 3)
    shapes['refpoint_embed.weight'] = (num_queries, 4)
    shapes['input_proj.weight'] = (dims, 2048, 1, 1)
    shapes['input_proj.bias'] = (dims, )
    return shapes


def _deformable_attention(shapes: Shapes, prefix: str, dims: int, num_levels: int) -> None:
    """Deformable attention with 8 heads and 4 points (the official models')."""
    _linear(shapes, f'{prefix}.sampling_offsets', 8 * num_levels * 4 * 2, dims)
    _linear(shapes, f'{prefix}.attention_weights', 8 * num_levels * 4, dims)
    _linear(shapes, f'{prefix}.value_proj', dims, dims)
    _linear(shapes, f'{prefix}.output_proj', dims, dims)


def _deformable_encoder(shapes: Shapes, dims: int, ffn_dims: int, num_layers: int,
                        num_levels: int = 4) -> None:
    """Input projections of C3-C5 and a stride-2 conv (conv + GroupNorm), level
    embeddings and a deformable encoder with ReLU FFNs."""
    for level, (channels, kernel) in enumerate([(512, 1), (1024, 1), (2048, 1), (2048, 3)]):
        _linear(shapes, f'input_proj.{level}.0', dims, channels)
        shapes[f'input_proj.{level}.0.weight'] = (dims, channels, kernel, kernel)
        _norm(shapes, f'input_proj.{level}.1', dims)
    shapes['transformer.level_embed'] = (num_levels, dims)
    for i in range(num_layers):
        p = f'transformer.encoder.layers.{i}'
        _deformable_attention(shapes, f'{p}.self_attn', dims, num_levels)
        _ffn(shapes, p, dims, ffn_dims, prelu=False)
        for n in (1, 2):
            _norm(shapes, f'{p}.norm{n}', dims)


def official_dn_dab_deformable_detr_shapes(depth: int = 50, num_queries: int = 300,
                                           dims: int = 256, ffn_dims: int = 2048,
                                           num_layers: int = 6, num_levels: int = 4,
                                           num_classes: int = 91) -> Shapes:
    """Every key of an official DN-DAB-Deformable-DETR (v2, the paper's
    DN-Deformable-DETR++; ``models/dn_dab_deformable_detr``) and its shape.

    Deformable attention in the encoder and the decoder, ReLU FFNs, a class and a box
    branch per decoder layer (the decoder holds the same box branches).
    """
    shapes: Shapes = {}
    _resnet(shapes, depth)
    _deformable_encoder(shapes, dims, ffn_dims, num_layers, num_levels)
    for i in range(num_layers):
        p = f'transformer.decoder.layers.{i}'
        _deformable_attention(shapes, f'{p}.cross_attn', dims, num_levels)
        shapes[f'{p}.self_attn.in_proj_weight'] = (3 * dims, dims)
        shapes[f'{p}.self_attn.in_proj_bias'] = (3 * dims, )
        _linear(shapes, f'{p}.self_attn.out_proj', dims, dims)
        _ffn(shapes, p, dims, ffn_dims, prelu=False)
        for n in (1, 2, 3):
            _norm(shapes, f'{p}.norm{n}', dims)
    _mlp(shapes, 'transformer.decoder.query_scale', dims, dims, dims, 2)
    _mlp(shapes, 'transformer.decoder.ref_point_head', 2 * dims, dims, dims, 2)
    for i in range(num_layers):
        _mlp(shapes, f'transformer.decoder.bbox_embed.{i}', dims, dims, 4, 3)
    for i in range(num_layers):
        _linear(shapes, f'class_embed.{i}', num_classes, dims)
    for i in range(num_layers):
        _mlp(shapes, f'bbox_embed.{i}', dims, dims, 4, 3)
    shapes['label_enc.weight'] = (num_classes + 1, dims - 1)
    shapes['tgt_embed.weight'] = (num_queries, dims - 1)
    shapes['refpoint_embed.weight'] = (num_queries, 4)
    return shapes


def official_dn_dab_deformable_detr_encoder_only_shapes(
        depth: int = 50, num_patterns: int = 3, num_queries: int = 300, dims: int = 256,
        ffn_dims: int = 2048, num_layers: int = 6, num_levels: int = 4,
        num_classes: int = 91) -> Shapes:
    """Every key of an official DN-DAB-Deformable-DETR with a deformable encoder only
    (``models/dn_dab_deformable_detr_deformable_encoder_only``) and its shape.

    DN-DAB-DETR's decoder and head (ReLU FFNs), whose cross-attention runs per level
    with a shared output projection ``ca_out_v_proj`` and level weights ``lvl_attn``,
    on :func:`official_dn_dab_deformable_detr_shapes`' input projections and encoder.
    """
    dab = official_dn_dab_detr_shapes(depth, num_patterns, num_queries, dims, ffn_dims,
                                      num_layers, num_classes, prelu=False)
    shapes = {k: v for k, v in dab.items()
              if not k.startswith(('transformer.encoder.', 'input_proj.'))}
    _deformable_encoder(shapes, dims, ffn_dims, num_layers, num_levels)
    for i in range(num_layers):
        p = f'transformer.decoder.layers.{i}'
        for name in ('weight', 'bias'):
            shapes[f'{p}.ca_out_v_proj.{name}'] = shapes.pop(f'{p}.cross_attn.out_proj.{name}')
        _linear(shapes, f'{p}.lvl_attn', num_levels, dims)
    return shapes


_FFN = [
    (r'\.linear1\.', '.ffn.layers.0.0.'),
    (r'\.activation\.weight$', '.ffn.layers.0.1.weight'),
    (r'\.linear2\.', '.ffn.layers.1.'),
]
Renames = List[Tuple[str, Union[str, Callable[[re.Match], str]]]]


def _norms(prefix: str, order: Dict[int, int]) -> Tuple[str, Callable[[re.Match], str]]:
    """A rule for ``transformer.<prefix>.layers.i.normN`` -> ``<prefix>.layers.i.norms.k``
    with k = order[N] (the position of the norm after the layer's sub-blocks)."""
    return (rf'^transformer\.{prefix}\.layers\.(\d+)\.norm(\d)\.',
            lambda m: f'{prefix}.layers.{m[1]}.norms.{order[int(m[2])]}.')


# (official pattern, mmdn replacement) rules, first match wins; FFN names follow (``_FFN``).
_BACKBONE: Renames = [(r'^backbone\.0\.body\.', 'backbone.')]
_DEFORMABLE_ENCODER: Renames = [  # 4-level input projections and deformable encoder
    (r'^input_proj\.([0-2])\.0\.', r'neck.convs.\1.conv.'),
    (r'^input_proj\.([0-2])\.1\.', r'neck.convs.\1.gn.'),
    (r'^input_proj\.3\.0\.', 'neck.extra_convs.0.conv.'),
    (r'^input_proj\.3\.1\.', 'neck.extra_convs.0.gn.'),
    (r'^transformer\.level_embed$', 'level_embed'),
    _norms('encoder', {1: 0, 2: 1}),
    (r'^transformer\.encoder\.', 'encoder.'),
]
_DAB_DECODER_AND_HEAD: Renames = [
    (r'^transformer\.decoder\.layers\.(\d+)\.sa_(\w+)_proj\.',
     r'decoder.layers.\1.self_attn.\2_proj.'),
    (r'^transformer\.decoder\.layers\.(\d+)\.ca_(\w+)_proj\.',
     r'decoder.layers.\1.cross_attn.\2_proj.'),
    _norms('decoder', {1: 0, 2: 1, 3: 2}),
    (r'^transformer\.decoder\.norm\.', 'decoder.post_norm.'),
    (r'^transformer\.decoder\.', 'decoder.'),
    (r'^transformer\.patterns\.', 'patterns.'),
    (r'^class_embed\.', 'bbox_head.fc_cls.'),
    (r'^bbox_embed\.', 'bbox_head.fc_reg.'),
    (r'^refpoint_embed\.', 'query_embedding.'),
]
#: DN-DAB-DETR to :class:`DNDABDETR`.
DN_DAB_DETR_RENAMES: Renames = _BACKBONE + [
    (r'^input_proj\.', 'neck.convs.0.conv.'),
    (r'^transformer\.encoder\.layers\.(\d+)\.self_attn\.', r'encoder.layers.\1.self_attn.attn.'),
    _norms('encoder', {1: 0, 2: 1}),
    (r'^transformer\.encoder\.', 'encoder.'),
] + _DAB_DECODER_AND_HEAD
#: DN-DAB-Deformable-DETR (v2, ++) to :class:`DNDeformableDETRPP`.
DN_DAB_DEFORMABLE_DETR_RENAMES: Renames = _BACKBONE + _DEFORMABLE_ENCODER + [
    (r'^transformer\.decoder\.layers\.(\d+)\.self_attn\.', r'decoder.layers.\1.self_attn.attn.'),
    # Official order: self-attention -> norm2, cross-attention -> norm1, FFN -> norm3.
    _norms('decoder', {2: 0, 1: 1, 3: 2}),
    (r'^transformer\.decoder\.', 'decoder.'),
    (r'^class_embed\.(\d+)\.', r'bbox_head.cls_branches.\1.'),
    (r'^bbox_embed\.(\d+)\.layers\.(\d)\.',
     lambda m: f'bbox_head.reg_branches.{m[1]}.{2 * int(m[2])}.'),
    (r'^tgt_embed\.', 'query_embedding.'),
    (r'^refpoint_embed\.', 'anchor_embedding.'),
]
#: The deformable-encoder-only model to :class:`DNDeformableDETR`.
DN_DAB_DEFORMABLE_DETR_ENCODER_ONLY_RENAMES: Renames = _BACKBONE + _DEFORMABLE_ENCODER + [
    (r'^transformer\.decoder\.layers\.(\d+)\.ca_out_v_proj\.',
     r'decoder.layers.\1.cross_attn.out_proj.'),
    (r'^transformer\.decoder\.layers\.(\d+)\.lvl_attn\.', r'decoder.layers.\1.level_attn.'),
] + _DAB_DECODER_AND_HEAD


def _rename(key: str, renames: Renames) -> str:
    for pattern, repl in renames:
        new, count = re.subn(pattern, repl, key)
        if count:
            for ffn_pattern, ffn_repl in _FFN:
                new = re.sub(ffn_pattern, ffn_repl, new)
            return new
    raise ConversionError(f'no rule for the official key {key}')


def _converter(renames: Renames) -> Callable[[Dict[str, Tensor]],
                                             Tuple[Dict[str, Tensor], List[str]]]:
    """A family's conversion: ``renames``, plus what every family shares: class rows
    picked by COCO id, ``label_enc`` to the 80 classes and 'unknown', frozen-BN buffers
    completed with ``num_batches_tracked``, and the decoder's copies of the head's box
    branches checked equal and left out."""
    ids = torch.tensor(COCO_CATEGORY_IDS)

    def convert(state: Dict[str, Tensor]) -> Tuple[Dict[str, Tensor], List[str]]:
        out: Dict[str, Tensor] = {}
        dropped: List[str] = []
        for key, value in state.items():
            if key.startswith('transformer.decoder.bbox_embed.'):
                twin = state.get(key[len('transformer.decoder.'):])
                if twin is None or not torch.equal(twin, value):
                    raise ConversionError(f"{key} differs from the head's bbox_embed")
                dropped.append(key)
            elif key == 'label_enc.weight':
                # Rows: the 80 categories, then 'unknown' (official row 91).
                out['dn_query_generator.label_embedding.weight'] = value[
                    torch.cat([ids, ids.new_tensor([value.size(0) - 1])])]
            else:
                new = _rename(key, renames)
                out[new] = value[ids] if key.startswith('class_embed.') else value
                if new.startswith('backbone.') and new.endswith('.running_var'):
                    out[new[:-len('running_var')] + 'num_batches_tracked'] = torch.tensor(0)
        return out, dropped

    return convert


CONVERTERS = {
    'dn_dab_detr': _converter(DN_DAB_DETR_RENAMES),
    'dn_dab_deformable_detr': _converter(DN_DAB_DEFORMABLE_DETR_RENAMES),
    'dn_dab_deformable_detr_deformable_encoder_only':
        _converter(DN_DAB_DEFORMABLE_DETR_ENCODER_ONLY_RENAMES),
}
SUPPORTED = tuple(CONVERTERS)


def convert_official(state: Dict[str, Tensor], family: Optional[str] = None
                     ) -> Tuple[Dict[str, Tensor], List[str]]:
    """An official model's state dict as the matching mmdn model's.

    Args:
        state (dict): the official ``model`` state dict (a ``module.`` prefix of a
            distributed save is removed).
        family (str, optional): the official family; found from the keys if None.

    Returns:
        tuple: the mmdn state dict, and the source keys deliberately left out (each
        family's docstring says why).

    Raises:
        ConversionError: an unknown or not yet supported family, or a key with no rule.
    """
    state = {k[len('module.'):] if k.startswith('module.') else k: v for k, v in state.items()}
    family = family or official_family(state)
    if family not in CONVERTERS:
        raise ConversionError(f'official family {family!r} is not supported yet (supported: '
                              f'{", ".join(SUPPORTED)})')
    return CONVERTERS[family](state)
