"""DN-Group-DAB-DETR: Group-DAB-DETR trained with query denoising (Table 3)."""
from mmdet.registry import MODELS
from .dn_detector_mixin import DNDetectorMixin
from .group_dab_detr import GroupDABDETR


@MODELS.register_module()
class DNGroupDABDETR(DNDetectorMixin, GroupDABDETR):
    """Group-DAB-DETR with DN-DAB-DETR's denoising part before its K matching groups.

    Every matching query's content is the 'unknown' label with indicator 0, as
    DN-DAB-DETR's. The mask of Eq. 7 is extended to the groups: denoising groups do not
    see each other, matching groups see neither each other nor the denoising part, and
    denoising queries see every matching group, as they see the matching part in Eq. 7.
    The paper gives no more than the result (44.5 AP) and the Group DETR code of this
    variant is not public; this follows Eq. 7 and Group DETR's grouping. Inference is
    Group-DAB-DETR's: the first group only, no denoising part.
    """

    def matching_groups(self) -> int:
        """K in training, 1 otherwise (:attr:`GroupDABDETR.active_query_groups`)."""
        return self.active_query_groups

    def matching_sees_only_its_group(self) -> bool:
        """Under Eq. 7; not in the ablations whose matching queries see the denoising
        part (``with_attn_mask=False``, ``matching_sees_dn``), which keep the dense mask."""
        generator = self.dn_query_generator
        return generator.with_attn_mask and not generator.matching_sees_dn
