"""The official DN-DETR checkpoints (github IDEA-Research/DN-DETR) as mmdn state dicts.

The official models index their 91 class slots by COCO category id (``class_embed`` has
91 rows, ``label_enc`` 92: the ids and the 'unknown' class at row 91); mmdn's have
mmdet's 80 contiguous classes, label i being the i-th of :data:`COCO_CATEGORY_IDS`. The
conversion picks those rows (and row 91 as mmdn's 'unknown', row 80), renames every
other key, and accounts for each source key: used, or dropped for a stated reason.
"""
import re
from typing import Callable, Dict, List, Optional, Tuple

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
SUPPORTED = ('dn_dab_detr', )


class ConversionError(ValueError):
    """A source that is not a supported official checkpoint, or one that does not fit."""


def official_family(state: Dict[str, Tensor]) -> str:
    """The official family of a state dict (the deformable families checked first, since
    the encoder-only one also has DAB-DETR's decoder keys).

    Raises:
        ConversionError: no family's keys are there.
    """
    for family in ('dn_dab_deformable_detr_deformable_encoder_only',
                   'dn_dab_deformable_detr', 'dn_dab_detr'):
        if FAMILIES[family] in state:
            return family
    raise ConversionError('not an official DN-DETR model: none of the keys '
                          f'{sorted(FAMILIES.values())} is in it')


def official_dn_dab_detr_shapes(depth: int = 50, num_patterns: int = 0,
                                num_queries: int = 300, dims: int = 256,
                                ffn_dims: int = 2048, num_layers: int = 6,
                                num_classes: int = 91) -> Dict[str, Tuple[int, ...]]:
    """Every key of an official DN-DAB-DETR (``models/DN_DAB_DETR``) and its shape.

    ResNet-50 / 101 (torchvision names, frozen BN buffers), 6 + 6 layers, PReLU FFNs,
    ``bbox_embed`` shared with the decoder (so also under ``transformer.decoder``).
    """
    blocks = {50: (3, 4, 6, 3), 101: (3, 4, 23, 3)}[depth]
    shapes: Dict[str, Tuple[int, ...]] = {}

    def bn(prefix: str, channels: int) -> None:
        for name in ('weight', 'bias', 'running_mean', 'running_var'):
            shapes[f'{prefix}.{name}'] = (channels, )

    def linear(prefix: str, out: int, inp: int) -> None:
        shapes[f'{prefix}.weight'], shapes[f'{prefix}.bias'] = (out, inp), (out, )

    def mlp(prefix: str, inp: int, hidden: int, out: int, layers: int) -> None:
        sizes = [inp] + [hidden] * (layers - 1) + [out]
        for i in range(layers):
            linear(f'{prefix}.layers.{i}', sizes[i + 1], sizes[i])

    body = 'backbone.0.body'
    shapes[f'{body}.conv1.weight'] = (64, 3, 7, 7)
    bn(f'{body}.bn1', 64)
    inplanes = 64
    for stage, (planes, count) in enumerate(zip((64, 128, 256, 512), blocks), 1):
        for b in range(count):
            p = f'{body}.layer{stage}.{b}'
            shapes[f'{p}.conv1.weight'] = (planes, inplanes, 1, 1)
            shapes[f'{p}.conv2.weight'] = (planes, planes, 3, 3)
            shapes[f'{p}.conv3.weight'] = (planes * 4, planes, 1, 1)
            for i, c in ((1, planes), (2, planes), (3, planes * 4)):
                bn(f'{p}.bn{i}', c)
            if b == 0:
                shapes[f'{p}.downsample.0.weight'] = (planes * 4, inplanes, 1, 1)
                bn(f'{p}.downsample.1', planes * 4)
            inplanes = planes * 4
    for i in range(num_layers):
        p = f'transformer.encoder.layers.{i}'
        shapes[f'{p}.self_attn.in_proj_weight'] = (3 * dims, dims)
        shapes[f'{p}.self_attn.in_proj_bias'] = (3 * dims, )
        linear(f'{p}.self_attn.out_proj', dims, dims)
        linear(f'{p}.linear1', ffn_dims, dims)
        linear(f'{p}.linear2', dims, ffn_dims)
        for n in (1, 2):
            shapes[f'{p}.norm{n}.weight'] = shapes[f'{p}.norm{n}.bias'] = (dims, )
        shapes[f'{p}.activation.weight'] = (1, )
    mlp('transformer.encoder.query_scale', dims, dims, dims, 2)
    for i in range(num_layers):
        p = f'transformer.decoder.layers.{i}'
        for name in ('qcontent', 'qpos', 'kcontent', 'kpos', 'v'):
            linear(f'{p}.sa_{name}_proj', dims, dims)
        linear(f'{p}.self_attn.out_proj', dims, dims)
        for name in ('qcontent', 'qpos', 'kcontent', 'kpos', 'v', 'qpos_sine'):
            if name != 'qpos' or i == 0:  # only the first layer adds the positional query
                linear(f'{p}.ca_{name}_proj', dims, dims)
        linear(f'{p}.cross_attn.out_proj', dims, dims)
        linear(f'{p}.linear1', ffn_dims, dims)
        linear(f'{p}.linear2', dims, ffn_dims)
        for n in (1, 2, 3):
            shapes[f'{p}.norm{n}.weight'] = shapes[f'{p}.norm{n}.bias'] = (dims, )
        shapes[f'{p}.activation.weight'] = (1, )
    shapes['transformer.decoder.norm.weight'] = shapes['transformer.decoder.norm.bias'] = (
        dims, )
    mlp('transformer.decoder.query_scale', dims, dims, dims, 2)
    mlp('transformer.decoder.ref_point_head', 2 * dims, dims, dims, 2)
    mlp('transformer.decoder.ref_anchor_head', dims, dims, 2, 2)
    mlp('transformer.decoder.bbox_embed', dims, dims, 4, 3)
    if num_patterns:
        shapes['transformer.patterns.weight'] = (num_patterns, dims)
    linear('class_embed', num_classes, dims)
    shapes['label_enc.weight'] = (num_classes + 1, dims - 1)
    mlp('bbox_embed', dims, dims, 4, 3)
    shapes['refpoint_embed.weight'] = (num_queries, 4)
    shapes['input_proj.weight'] = (dims, 2048, 1, 1)
    shapes['input_proj.bias'] = (dims, )
    return shapes


_FFN_AND_NORMS = [
    (r'\.linear1\.', '.ffn.layers.0.0.'),
    (r'\.activation\.weight$', '.ffn.layers.0.1.weight'),
    (r'\.linear2\.', '.ffn.layers.1.'),
]
#: (official pattern, mmdn replacement), first match wins.
DN_DAB_DETR_RENAMES: List[Tuple[str, str]] = [
    (r'^backbone\.0\.body\.', 'backbone.'),
    (r'^input_proj\.', 'neck.convs.0.conv.'),
    (r'^transformer\.encoder\.layers\.(\d+)\.self_attn\.', r'encoder.layers.\1.self_attn.attn.'),
    (r'^transformer\.encoder\.layers\.(\d+)\.norm(\d)\.',
     lambda m: f'encoder.layers.{m[1]}.norms.{int(m[2]) - 1}.'),
    (r'^transformer\.encoder\.', 'encoder.'),
    (r'^transformer\.decoder\.layers\.(\d+)\.sa_(\w+)_proj\.', r'decoder.layers.\1.self_attn.\2_proj.'),
    (r'^transformer\.decoder\.layers\.(\d+)\.ca_(\w+)_proj\.', r'decoder.layers.\1.cross_attn.\2_proj.'),
    (r'^transformer\.decoder\.layers\.(\d+)\.norm(\d)\.',
     lambda m: f'decoder.layers.{m[1]}.norms.{int(m[2]) - 1}.'),
    (r'^transformer\.decoder\.norm\.', 'decoder.post_norm.'),
    (r'^transformer\.decoder\.', 'decoder.'),
    (r'^transformer\.patterns\.', 'patterns.'),
    (r'^bbox_embed\.', 'bbox_head.fc_reg.'),
    (r'^refpoint_embed\.', 'query_embedding.'),
]


def _rename(key: str, renames: List[Tuple[str, object]]) -> str:
    for pattern, repl in renames:
        new, count = re.subn(pattern, repl, key)
        if count:
            for ffn_pattern, ffn_repl in _FFN_AND_NORMS:
                new = re.sub(ffn_pattern, ffn_repl, new)
            return new
    raise ConversionError(f'no rule for the official key {key}')


def _convert_dn_dab_detr(state: Dict[str, Tensor]) -> Tuple[Dict[str, Tensor], List[str]]:
    """DN-DAB-DETR (all its backbones and pattern counts) to :class:`DNDABDETR`."""
    out: Dict[str, Tensor] = {}
    dropped: List[str] = []
    ids = torch.tensor(COCO_CATEGORY_IDS)
    for key, value in state.items():
        if key.startswith('transformer.decoder.bbox_embed.'):
            # The head's box branch, shared with the decoder: the same tensors.
            twin = state.get(key[len('transformer.decoder.'):])
            if twin is None or not torch.equal(twin, value):
                raise ConversionError(f'{key} differs from the head\'s bbox_embed')
            dropped.append(key)
        elif key.startswith('class_embed.'):
            out[f'bbox_head.fc_cls.{key.split(".")[-1]}'] = value[ids]
        elif key == 'label_enc.weight':
            # Rows: the 80 categories, then 'unknown' (official row 91).
            out['dn_query_generator.label_embedding.weight'] = value[
                torch.cat([ids, ids.new_tensor([value.size(0) - 1])])]
        else:
            new = _rename(key, DN_DAB_DETR_RENAMES)
            out[new] = value
            if new.startswith('backbone.') and new.endswith('.running_var'):
                out[new[:-len('running_var')] + 'num_batches_tracked'] = torch.tensor(0)
    return out, dropped


CONVERTERS: Dict[str, Callable[[Dict[str, Tensor]], Tuple[Dict[str, Tensor], List[str]]]] = {
    'dn_dab_detr': _convert_dn_dab_detr,
}


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
