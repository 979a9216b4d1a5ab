"""The head of Group-DAB-DETR: DAB-DETR's head with one assignment per query group."""
from typing import Dict, List, Optional

from torch import Tensor

from mmdet.models.dense_heads import DABDETRHead
from mmdet.registry import MODELS
from mmdet.utils import InstanceList


@MODELS.register_module()
class GroupDABDETRHead(DABDETRHead):
    """DAB-DETR's head; the K groups of matching queries are matched and normalised each
    on its own, as Group DETR's criterion.

    Each group is one-to-one Hungarian-assigned to all of the image's objects; the
    losses are summed over groups and divided by K times the number of objects
    (averaged over ranks): the mean of the K groups' DAB-DETR losses. Done by treating
    every (image, group) as an image of its own.

    Args:
        num_query_groups (int): K; set by :class:`GroupDABDETR` from its own.
    """

    def __init__(self, *args, num_query_groups: int = 1, **kwargs) -> None:
        self.num_query_groups = num_query_groups
        super().__init__(*args, **kwargs)

    def loss_by_feat(self, all_layers_cls_scores: Tensor, all_layers_bbox_preds: Tensor,
                     batch_gt_instances: InstanceList, batch_img_metas: List[dict],
                     batch_gt_instances_ignore: Optional[InstanceList] = None) -> Dict:
        """DAB-DETR's losses with each group as its own image.

        Args:
            all_layers_cls_scores (Tensor): (num_layers, bs, K * Lg, C), group-major.
            all_layers_bbox_preds (Tensor): (num_layers, bs, K * Lg, 4).
            batch_gt_instances (list[InstanceData]): each image's objects.
            batch_img_metas (list[dict]): each image's metainfo.
        """
        groups = self.num_query_groups
        num_layers, bs, num_queries = all_layers_cls_scores.shape[:3]
        if num_queries % groups:
            raise ValueError(f'{num_queries} matching queries do not form '
                             f'{groups} groups')
        per_group = (num_layers, bs * groups, num_queries // groups)
        return super().loss_by_feat(
            all_layers_cls_scores.reshape(*per_group, -1),
            all_layers_bbox_preds.reshape(*per_group, -1),
            [gt for gt in batch_gt_instances for _ in range(groups)],
            [meta for meta in batch_img_metas for _ in range(groups)],
            batch_gt_instances_ignore)
