from .dab_deformable_detr import DABDeformableDETR
from .dab_deformable_detr_pp import DABDeformableDETRPP
from .dino_without_dn import DINOWithoutDN
from .dn_dab_detr import DNDABDETR
from .dn_deformable_detr import DNDeformableDETR
from .dn_deformable_detr_pp import DNDeformableDETRPP
from .dn_detr import DNDETR
from .dn_dino import DNDINO
from .dn_detector_mixin import DNDetectorMixin

__all__ = [
    'DABDeformableDETR', 'DABDeformableDETRPP', 'DINOWithoutDN', 'DNDABDETR', 'DNDETR',
    'DNDINO', 'DNDeformableDETR', 'DNDeformableDETRPP', 'DNDetectorMixin'
]
