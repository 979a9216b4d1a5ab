"""The denoising part of a DETR head's loss (paper §4.3), shared by every DN head."""
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from torch import Tensor

from mmdet.structures import SampleList
from mmdet.utils import InstanceList, reduce_mean
from ..losses import reconstruction_losses
from ..utils import host_tensor


def name_dn_losses(losses: Tensor, kinds: Sequence[str]) -> Dict[str, Tensor]:
    """mmdet's naming of (num_outputs, len(kinds)) denoising losses: ``dn_loss_{kind}``
    for the last output, prefixed ``d{i}.`` for the earlier ones."""
    num_outputs = losses.size(0)
    names = [f'{prefix}dn_loss_{kind}'
             for prefix in [f'd{i}.' for i in range(num_outputs - 1)] + ['']
             for kind in kinds]
    return dict(zip(names, losses.flatten().unbind()))


def dn_avg_factor(dn_meta: Dict, like: Tensor) -> Tensor:
    """The denoising losses' normaliser: the real denoising queries of the batch
    (``dn_meta['num_targets']``) averaged over all ranks, at least 1, as a scalar of
    ``like``'s dtype and device.

    Every rank takes part in the all-reduce, whatever its objects: a rank that skipped it
    would meet the next collective (DDP's gradients) out of step.
    """
    num_targets = host_tensor(float(dn_meta['num_targets']), like.dtype, like.device)
    return reduce_mean(num_targets).clamp(min=1)


def zero_dn_losses(outputs: Sequence[Tensor], num_sets: int, num_kinds: int) -> Tensor:
    """The denoising losses of a batch without objects: zeros (num_sets, num_kinds) in
    the graph of every tensor of ``outputs`` (so that every parameter gets a gradient,
    as DDP without ``find_unused_parameters`` needs)."""
    return sum(t.sum() for t in outputs) * outputs[0].new_zeros(num_sets, num_kinds)


class DNHeadMixin:
    """The DN head contract: owns ``loss`` and ``predict`` of a DETR head, splitting its
    per-layer outputs by ``dn_meta`` and reconstructing the denoising part.

    For heads whose ``forward`` takes ``hidden_states`` (and ``references``, when the
    detector gives them) and gives (num_layers, bs, W, C) scores and (num_layers, bs,
    W, 4) normalised (cx, cy, w, h) boxes, with the P*M denoising queries first and
    ``loss_cls`` / ``loss_bbox`` / ``loss_iou`` as in mmdet's DETR heads. A DN head is
    ``class DNXHead(DNHeadMixin, XHead)``, with no body when the baseline's
    ``loss_by_feat`` has one of mmdet's two forms (see :meth:`loss_matching`).

    The matching part keeps the baseline's losses; the denoising part is reconstructed
    with the head's loss modules (and their weights) against the objects the queries
    were noised from, on every decoder layer, normalised by the number of real
    denoising queries averaged over all ranks. Padded slots are left out. Losses are
    logged as ``dn_loss_cls``, ``dn_loss_bbox``, ``dn_loss_iou`` (last layer) and
    ``d{i}.dn_loss_*``. Predictions come from the matching queries only.

    Attributes:
        matching_observer (callable, optional): when set, :meth:`loss` calls it with the
            last decoder layer's matching scores (bs, L, C) and boxes (bs, L, 4), the
            objects they are matched to and the samples' metainfo (the seam of
            :class:`~mmdn.engine.hooks.MatchingInstabilityHook`).
    """

    matching_observer: Optional[Callable[[Tensor, Tensor, InstanceList, List[dict]],
                                         None]] = None

    def loss(self, hidden_states: Tensor, batch_data_samples: SampleList,
             dn_meta: Optional[Dict] = None, references: Optional[Tensor] = None,
             **matching_inputs) -> Dict:
        """The baseline head's losses on the matching part plus the denoising losses.

        Args:
            hidden_states (Tensor): (num_layers, bs, P*M + L, D).
            batch_data_samples (list[DetDataSample]): the objects to match and to
                reconstruct.
            dn_meta (dict, optional): from :class:`DnQueryGenerator`; without it every
                query is a matching query.
            references (Tensor or list[Tensor], optional): the decoder's anchors, for
                the heads whose ``forward`` takes them.
            **matching_inputs: the baseline's other head inputs (the two-stage
                proposals ``enc_outputs_class``, ``enc_outputs_coord``), for
                :meth:`loss_matching`.
        """
        batch_gt_instances: InstanceList = [s.gt_instances for s in batch_data_samples]
        batch_img_metas = [s.metainfo for s in batch_data_samples]
        outputs = self(hidden_states) if references is None else \
            self(hidden_states, references)
        if dn_meta is not None:
            dn_outputs, outputs = self.split_dn(*outputs, dn_meta)
        losses = self.loss_matching(*outputs, batch_gt_instances, batch_img_metas,
                                    **matching_inputs)
        if self.matching_observer is not None:
            self.matching_observer(outputs[0][-1], outputs[1][-1], batch_gt_instances,
                                   batch_img_metas)
        if dn_meta is not None:
            losses.update(self.loss_dn(*dn_outputs, dn_meta))
        return losses

    def loss_matching(self, layers_cls_scores: Tensor, layers_bbox_preds: Tensor,
                      batch_gt_instances: InstanceList, batch_img_metas: List[dict],
                      **proposals: Optional[Tensor]) -> Dict:
        """Hook: the baseline's Hungarian losses of the matching queries, through its
        ``loss_by_feat`` in one of mmdet's two forms: DETR's (scores, boxes, objects,
        metas) or, when the detector gives the head the two-stage proposals
        ``enc_outputs_class`` / ``enc_outputs_coord`` (None for a one-stage model),
        Deformable DETR's (scores, boxes, proposal scores, proposal boxes, objects,
        metas).

        Args:
            layers_cls_scores (Tensor): (num_layers, bs, L, C).
            layers_bbox_preds (Tensor): (num_layers, bs, L, 4).
            batch_gt_instances (list[InstanceData]): the objects.
            batch_img_metas (list[dict]): the samples' metainfo.
            **proposals: ``enc_outputs_class`` (bs, N, C) and ``enc_outputs_coord``
                (bs, N, 4), or nothing.
        """
        if not proposals:
            return self.loss_by_feat(layers_cls_scores, layers_bbox_preds,
                                     batch_gt_instances, batch_img_metas)
        return self.loss_by_feat(layers_cls_scores, layers_bbox_preds,
                                 proposals['enc_outputs_class'],
                                 proposals['enc_outputs_coord'], batch_gt_instances,
                                 batch_img_metas)

    def predict(self, hidden_states: Tensor, batch_data_samples: SampleList,
                rescale: bool = True, dn_meta: Optional[Dict] = None,
                **head_inputs) -> InstanceList:
        """The baseline's predictions from the matching queries; a denoising part (given
        at inference by detectors with ``dn_at_inference``) is dropped.

        Args:
            hidden_states (Tensor): (num_layers, bs, [P*M +] L, D).
            batch_data_samples (list[DetDataSample]): the batch.
            rescale (bool): boxes in the original image's frame.
            dn_meta (dict, optional): the denoising part's, when there is one.
            **head_inputs: the baseline's (``references``: a (..., bs, W, k) tensor
                or a list of (bs, W, k) tensors).
        """
        if dn_meta is not None:
            num_dn = dn_meta['num_dn_queries']
            hidden_states = hidden_states[:, :, num_dn:]
            references = head_inputs.get('references')
            if isinstance(references, (list, tuple)):
                head_inputs['references'] = [r[..., num_dn:, :] for r in references]
            elif references is not None:
                head_inputs['references'] = references[..., num_dn:, :]
        return super().predict(hidden_states, batch_data_samples=batch_data_samples,
                               rescale=rescale, **head_inputs)

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
        avg_factor = dn_avg_factor(dn_meta, dn_cls_scores)
        if dn_meta['num_dn_queries'] == 0:  # no image has objects
            losses = zero_dn_losses([dn_cls_scores], dn_cls_scores.size(0), 3)
        else:
            groups = (dn_meta['num_groups'], dn_meta['group_size'])  # (P, M)
            losses = reconstruction_losses(
                self.loss_cls, self.loss_bbox, self.loss_iou,
                dn_cls_scores.unflatten(2, groups), dn_bbox_preds.unflatten(2, groups),
                dn_meta['labels'], dn_meta['boxes'], dn_meta['valid'].to(dn_cls_scores.dtype),
                dn_meta.get('image_sizes')) / avg_factor
        return name_dn_losses(losses, ('cls', 'bbox', 'iou'))
