from .dab_deformable_layers import DABDeformableDetrTransformerDecoder
from .dn_query_generator import DnQueryGenerator, dn_attention_mask

__all__ = ['DABDeformableDetrTransformerDecoder', 'DnQueryGenerator', 'dn_attention_mask']
