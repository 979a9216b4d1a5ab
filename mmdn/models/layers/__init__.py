from .dab_deformable_pp_layers import DABDeformablePPTransformerDecoder
from .dn_query_generator import DnQueryGenerator, dn_attention_mask
from .multi_level_dab_layers import (MultiLevelConditionalAttention,
                                     MultiLevelDABDetrTransformerDecoder,
                                     MultiLevelDABDetrTransformerDecoderLayer)

__all__ = [
    'DABDeformablePPTransformerDecoder', 'DnQueryGenerator', 'dn_attention_mask',
    'MultiLevelConditionalAttention', 'MultiLevelDABDetrTransformerDecoder',
    'MultiLevelDABDetrTransformerDecoderLayer'
]
