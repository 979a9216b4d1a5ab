from .anchor_detr_head import AnchorDETRHead
from .dino_head_without_dn import DINOHeadWithoutDN
from .dn_anchor_detr_head import DNAnchorDETRHead
from .dn_conditional_detr_head import DNConditionalDETRHead
from .dn_dab_detr_head import DNDABDETRHead
from .dn_deformable_detr_pp_head import DNDeformableDETRPPHead
from .dn_detr_head import DNDETRHead
from .dn_dino_head import DNDINOHead
from .dn_group_dab_detr_head import DNGroupDABDETRHead
from .dn_head_mixin import DNHeadMixin
from .dn_mask2former_head import DNMask2FormerHead
from .dn_sam_detr_head import DNSAMDETRHead
from .group_dab_detr_head import GroupDABDETRHead
from .mask2former_head_with_hooks import Mask2FormerHeadWithHooks
from .mask_dino_head import MaskDINOHead
from .sam_detr_head import SAMDETRHead

__all__ = [
    'AnchorDETRHead', 'DINOHeadWithoutDN', 'DNAnchorDETRHead', 'DNConditionalDETRHead',
    'DNDABDETRHead',
    'DNDeformableDETRPPHead', 'DNDETRHead', 'DNDINOHead', 'DNGroupDABDETRHead', 'DNHeadMixin',
    'DNMask2FormerHead', 'DNSAMDETRHead', 'GroupDABDETRHead', 'Mask2FormerHeadWithHooks',
    'MaskDINOHead', 'SAMDETRHead'
]
