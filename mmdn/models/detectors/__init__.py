from .dab_deformable_detr import DABDeformableDETR
from .dab_deformable_detr_pp import DABDeformableDETRPP
from .dn_dab_detr import DNDABDETR
from .dn_deformable_detr import DNDeformableDETR
from .dn_deformable_detr_pp import DNDeformableDETRPP
from .dn_detr import DNDETR
from .dn_detector_mixin import DNDetectorMixin

__all__ = [
    'DABDeformableDETR', 'DABDeformableDETRPP', 'DNDABDETR', 'DNDETR', 'DNDeformableDETR',
    'DNDeformableDETRPP', 'DNDetectorMixin'
]
