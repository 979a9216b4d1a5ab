from .dab_deformable_detr import DABDeformableDETR
from .dn_dab_detr import DNDABDETR
from .dn_deformable_detr import DNDeformableDETR
from .dn_detector_mixin import DNDetectorMixin

__all__ = ['DABDeformableDETR', 'DNDABDETR', 'DNDeformableDETR', 'DNDetectorMixin']
