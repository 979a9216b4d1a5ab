"""DN-Deformable-DETR: DAB-Deformable-DETR trained with query denoising (paper §4.6)."""
from mmdet.registry import MODELS
from .dab_deformable_detr import DABDeformableDETR
from .dn_dab_detr import DNDABDETR


@MODELS.register_module()
class DNDeformableDETR(DNDABDETR, DABDeformableDETR):
    """DAB-Deformable-DETR (deformable encoder only) with DN-DAB-DETR's denoising part.

    As the official model: the denoising part and the matching queries' content (the
    'unknown' label, with patterns) are DN-DAB-DETR's (:class:`DNDABDETR`); the encoder
    and the multi-level decoder are :class:`DABDeformableDETR`'s. The paper uses 10
    denoising groups for it (§5.1).
    """
