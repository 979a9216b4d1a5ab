from .anchor_detr_layers import (
    AnchorDetrTransformerDecoder,
    AnchorDetrTransformerDecoderLayer,
    AnchorDetrTransformerEncoder,
    AnchorDetrTransformerEncoderLayer,
    sine_embedding_1d,
)
from .dab_deformable_pp_layers import DABDeformablePPTransformerDecoder
from .dn_query_generator import (
    DnBoxNoiser,
    DnQueryGenerator,
    build_dn_query_generator,
    dn_attention_mask,
    gather_real_slots,
)
from .grouped_self_attention import GroupedConditionalSelfAttention, QueryGroups
from .multi_level_dab_layers import (
    MultiLevelConditionalAttention,
    MultiLevelDABDetrTransformerDecoder,
    MultiLevelDABDetrTransformerDecoderLayer,
)
from .row_column_attention import RowColumnDecoupledAttention
from .sam_detr_layers import SamDetrTransformerDecoder, SamDetrTransformerDecoderLayer

__all__ = [
    'AnchorDetrTransformerDecoder', 'AnchorDetrTransformerDecoderLayer',
    'AnchorDetrTransformerEncoder', 'AnchorDetrTransformerEncoderLayer', 'sine_embedding_1d',
    'DABDeformablePPTransformerDecoder', 'DnBoxNoiser', 'DnQueryGenerator',
    'build_dn_query_generator', 'dn_attention_mask', 'gather_real_slots',
    'GroupedConditionalSelfAttention', 'QueryGroups',
    'MultiLevelConditionalAttention', 'MultiLevelDABDetrTransformerDecoder',
    'MultiLevelDABDetrTransformerDecoderLayer', 'RowColumnDecoupledAttention',
    'SamDetrTransformerDecoder', 'SamDetrTransformerDecoderLayer'
]
