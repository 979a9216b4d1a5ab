from .anchor_detr import AnchorDETR
from .dab_deformable_detr import DABDeformableDETR
from .dab_deformable_detr_pp import DABDeformableDETRPP
from .dino_without_dn import DINOWithoutDN
from .dn_anchor_detr import DNAnchorDETR
from .dn_conditional_detr import DNConditionalDETR
from .dn_dab_detr import DNDABDETR
from .dn_deformable_detr import DNDeformableDETR
from .dn_deformable_detr_pp import DNDeformableDETRPP
from .dn_detector_mixin import DNDetectorMixin
from .dn_detr import DNDETR
from .dn_dino import DNDINO
from .dn_group_dab_detr import DNGroupDABDETR
from .dn_sam_detr_pp import DNSAMDETRPP
from .group_dab_detr import GroupDABDETR
from .known_label_dn_dab_detr import KnownLabelDNDABDETR
from .known_object_dn_dab_detr import KnownObjectDNDABDETR
from .mask_dino import MaskDINO
from .masked_decoders import (
    MaskedConditionalDecoderMixin,
    MaskedDABDecoderMixin,
    MaskedDeformableDecoderMixin,
    MaskedDETRDecoderMixin,
    masked_decoder_mixin,
)
from .sam_detr_pp import SAMDETRPP

__all__ = [
    'AnchorDETR', 'DABDeformableDETR', 'DABDeformableDETRPP', 'DINOWithoutDN',
    'DNAnchorDETR', 'DNConditionalDETR', 'DNDABDETR', 'DNDeformableDETR',
    'DNDeformableDETRPP', 'DNDetectorMixin', 'DNDETR', 'DNDINO', 'DNGroupDABDETR',
    'DNSAMDETRPP', 'GroupDABDETR', 'KnownLabelDNDABDETR', 'KnownObjectDNDABDETR',
    'MaskDINO', 'MaskedConditionalDecoderMixin', 'MaskedDABDecoderMixin',
    'MaskedDeformableDecoderMixin', 'MaskedDETRDecoderMixin', 'masked_decoder_mixin',
    'SAMDETRPP'
]
