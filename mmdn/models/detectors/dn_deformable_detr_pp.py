"""DN-Deformable-DETR++: DAB-Deformable-DETR++ trained with query denoising (§4.6)."""
import torch.nn.functional as F
from torch import Tensor, nn

from mmdet.registry import MODELS
from mmdet.structures import OptSampleList
from .dab_deformable_detr_pp import DABDeformableDETRPP
from .dn_detector_mixin import DNDetectorMixin


@MODELS.register_module()
class DNDeformableDETRPP(DNDetectorMixin, DABDeformableDETRPP):
    """DAB-Deformable-DETR++ whose decoder also reconstructs noised ground truth.

    As the official DN-Deformable-DETR (``models/dn_dab_deformable_detr``): the
    matching queries keep their learnt content, of D - 1 dims plus the indicator 0
    (§4.5; the label embedding's 'unknown' row is not used), the denoising groups go
    before them under the mask of Eq. 7 and their anchors are the noised boxes.

    Args:
        dn_cfg (dict): the :class:`DnQueryGenerator` config (see
            :class:`DNDetectorMixin`).
    """

    #: The anchors, (bs, L, 4) after sigmoid.
    anchor_key = 'reference_points'

    def _init_layers(self) -> None:
        """The baseline's layers, with content queries one dim short for the indicator."""
        super()._init_layers()
        self.query_embedding = nn.Embedding(self.num_queries, self.embed_dims - 1)

    def matching_content(self, query: Tensor, batch_data_samples: OptSampleList) -> Tensor:
        """The learnt content (bs, L, D - 1) with the indicator 0 (no 'unknown' label)."""
        return F.pad(query, (0, 1))

    def dn_anchors(self, dn_boxes: Tensor) -> Tensor:
        """The noised boxes after sigmoid, (bs, P*M, 4)."""
        return dn_boxes.sigmoid()
