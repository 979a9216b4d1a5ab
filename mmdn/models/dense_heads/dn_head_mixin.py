"""The denoising part of a DETR head's loss (paper §4.3), shared by every DN head."""
from typing import Callable, Dict, Optional, Tuple

from torch import Tensor

from mmdet.utils import reduce_mean
from ..losses import reconstruction_losses
from ..utils import host_tensor


class DNHeadMixin:
    """Splits a DETR head's per-layer outputs by ``dn_meta`` and reconstructs the DN part.

    For heads whose ``forward`` gives (num_layers, bs, W, C) scores and
    (num_layers, bs, W, 4) normalised (cx, cy, w, h) boxes, with the P*M denoising
    queries first and ``loss_cls`` / ``loss_bbox`` / ``loss_iou`` as in mmdet's DETR heads.
    The denoising part is reconstructed with those losses (and their weights) against the
    objects the queries were noised from, on every decoder layer, normalised by the number
    of real denoising queries averaged over all ranks. Padded slots are left out. Losses
    are logged as ``dn_loss_cls``, ``dn_loss_bbox``, ``dn_loss_iou`` (last layer) and
    ``d{i}.dn_loss_*``.
    """

    def loss_with_dn(self, layers_cls_scores: Tensor, layers_bbox_preds: Tensor,
                     dn_meta: Optional[Dict],
                     loss_matching: Callable[[Tensor, Tensor], Dict]) -> Dict:
        """The baseline head's losses on the matching part plus the denoising losses.

        Args:
            layers_cls_scores (Tensor): (num_layers, bs, P*M + L, C).
            layers_bbox_preds (Tensor): (num_layers, bs, P*M + L, 4).
            dn_meta (dict, optional): from :class:`DnQueryGenerator`; without it every
                query is a matching query.
            loss_matching (callable): the baseline's losses of (scores, boxes).
        """
        if dn_meta is None:
            return loss_matching(layers_cls_scores, layers_bbox_preds)
        dn_outputs, matching_outputs = self.split_dn(layers_cls_scores, layers_bbox_preds,
                                                     dn_meta)
        losses = loss_matching(*matching_outputs)
        losses.update(self.loss_dn(*dn_outputs, dn_meta))
        return losses

    @staticmethod
    def split_dn(layers_cls_scores: Tensor, layers_bbox_preds: Tensor,
                 dn_meta: Dict) -> Tuple[Tuple[Tensor, Tensor], Tuple[Tensor, Tensor]]:
        """(DN scores, DN boxes) and (matching scores, matching boxes) of every layer.

        The matching part is made contiguous: one copy here instead of one per layer
        and tensor in the DETR heads' reshapes.
        """
        num_dn = dn_meta['num_dn_queries']
        sizes = (num_dn, layers_cls_scores.size(2) - num_dn)
        dn_cls_scores, cls_scores = layers_cls_scores.split(sizes, dim=2)
        dn_bbox_preds, bbox_preds = layers_bbox_preds.split(sizes, dim=2)
        return (dn_cls_scores, dn_bbox_preds), (cls_scores.contiguous(),
                                                bbox_preds.contiguous())

    def loss_dn(self, dn_cls_scores: Tensor, dn_bbox_preds: Tensor, dn_meta: Dict) -> Dict:
        """Reconstruction losses of the denoising part, all decoder layers at once.

        Args:
            dn_cls_scores (Tensor): (num_layers, bs, P*M, C) logits.
            dn_bbox_preds (Tensor): (num_layers, bs, P*M, 4) normalised (cx, cy, w, h).
            dn_meta (dict): ``num_groups`` P, ``group_size`` M, each image's targets
                ``labels`` (bs, M) and ``boxes`` (bs, M, 4), the mask ``valid`` (bs, M)
                of its real (unpadded) slots, ``num_targets``, their number in all
                groups, and ``image_sizes`` (bs, 4), each image's (w, h, w, h).

        Returns:
            dict: per layer ``dn_loss_cls``, ``dn_loss_bbox``, ``dn_loss_iou``: the loss
            summed over the real slots, divided by their number averaged over ranks
            (at least 1). Padded slots weigh 0.
        """
        num_layers = dn_cls_scores.size(0)
        # Every rank takes part in the all-reduce, whatever its objects: a rank that
        # skipped it would meet the next collective (DDP's gradients) out of step.
        num_targets = host_tensor(float(dn_meta['num_targets']), dn_cls_scores.dtype,
                                  dn_cls_scores.device)
        avg_factor = reduce_mean(num_targets).clamp(min=1)
        if dn_meta['num_dn_queries'] == 0:  # no image has objects: zeros, in the graph
            losses = dn_cls_scores.sum() * dn_cls_scores.new_zeros(num_layers, 3)
        else:
            groups = (dn_meta['num_groups'], dn_meta['group_size'])  # (P, M)
            losses = reconstruction_losses(
                self.loss_cls, self.loss_bbox, self.loss_iou,
                dn_cls_scores.unflatten(2, groups), dn_bbox_preds.unflatten(2, groups),
                dn_meta['labels'], dn_meta['boxes'], dn_meta['valid'].to(dn_cls_scores.dtype),
                dn_meta.get('image_sizes')) / avg_factor
        return self._name_dn_losses(losses)

    @staticmethod
    def _name_dn_losses(losses: Tensor) -> Dict[str, Tensor]:
        """mmdet's naming of (num_layers, 3) losses: the last layer bare, earlier layers
        prefixed ``d{i}.``."""
        num_layers = losses.size(0)
        names = [f'{prefix}dn_loss_{kind}'
                 for prefix in [f'd{i}.' for i in range(num_layers - 1)] + ['']
                 for kind in ('cls', 'bbox', 'iou')]
        return dict(zip(names, losses.flatten().unbind()))
