from .dn_query_generator import DnQueryGenerator, dn_attention_mask

__all__ = ['DnQueryGenerator', 'dn_attention_mask']
