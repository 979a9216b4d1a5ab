from .dab_deformable_pp_layers import DABDeformablePPTransformerDecoder
from .dn_query_generator import (DnQueryGenerator, build_dn_query_generator,
                                 dn_attention_mask)
from .multi_level_dab_layers import (MultiLevelConditionalAttention,
                                     MultiLevelDABDetrTransformerDecoder,
                                     MultiLevelDABDetrTransformerDecoderLayer)

__all__ = [
    'DABDeformablePPTransformerDecoder', 'DnQueryGenerator', 'build_dn_query_generator',
    'dn_attention_mask',
    'MultiLevelConditionalAttention', 'MultiLevelDABDetrTransformerDecoder',
    'MultiLevelDABDetrTransformerDecoderLayer'
]
