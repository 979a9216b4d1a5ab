"""Matching instability (paper §3.1, Eqs. 1-2) measured during training."""
from typing import Dict, Hashable, List, Optional

import torch
from mmengine.dist import all_gather_object, get_world_size
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.structures import InstanceData
from torch import Tensor, nn

from mmdet.models.dense_heads import DINOHead
from mmdet.registry import HOOKS
from mmdet.structures.bbox import bbox_cxcywh_to_xyxy
from mmdet.utils import InstanceList
from ...models.dense_heads import DINOHeadWithoutDN, DNHeadMixin

UNSEEN = -2  # an image not trained on in that epoch
UNMATCHED = -1  # V_n = -1: the query matches no object (Eq. 1)
CHECKPOINT_KEY = 'matching_instability'  # the last epoch's vectors in a checkpoint


def instability(previous: Tensor, current: Tensor) -> Tensor:
    """IS of Eq. 2 of every image seen in both epochs.

    Args:
        previous (Tensor): (num_images, N) matching vectors V^{i-1} (Eq. 1), ``UNSEEN``
            rows for images not trained on.
        current (Tensor): (num_images, N) matching vectors V^i.

    Returns:
        Tensor: (K, ) float, for each of the K images seen in both epochs the number of
        queries whose match changed; the epoch's IS is their mean.
    """
    seen = (previous[:, 0] != UNSEEN) & (current[:, 0] != UNSEEN)
    return (previous[seen] != current[seen]).sum(1).float()


@HOOKS.register_module()
class MatchingInstabilityHook(Hook):
    """Logs the matching instability IS (Eq. 2) of every training epoch.

    For every sample the head is trained on, it takes the last decoder layer's
    predictions of the matching queries, as the loss sees them, and their Hungarian
    assignment by the head's own assigner (one more assignment per sample and step, no
    second forward pass): V_n = m if query n is matched to object m, -1 if it matches
    nothing (Eq. 1). A sample is an image, or, with known-label training, an (image,
    class) item; vectors are kept as int16, two epochs at a time. At the end of each
    epoch the vectors of all ranks are gathered, IS is averaged over the samples trained
    on in this epoch and the previous one, and written to the log and the visualizer's
    backends as ``matching_instability`` (step = the epoch, counted from 1; nothing for
    the first epoch). Checkpoints keep the last epoch's vectors, so that a resumed
    training logs IS from its first epoch; a checkpoint loaded to start another training
    (``load_from``) does not give its vectors to it.

    The predictions come through supported seams, nothing is patched: a DN head
    (:class:`~mmdn.models.dense_heads.DNHeadMixin`) reports its matching part through
    its ``matching_observer``; any other DETR head of mmdet's or mmdn's (a baseline,
    all of whose queries are matching queries) through a PyTorch forward hook, with the
    objects of the batch the detector is given. mmdet's ``DINOHead`` (contrastive
    denoising queries among its outputs) is refused. With Group DETR's query groups the
    first group is recorded (the one that runs at inference, assigned on its own).

    Enable it from a config::

        custom_hooks = [dict(type='MatchingInstabilityHook')]
    """

    priority = 'LOW'

    def __init__(self) -> None:
        self._restored: Optional[dict] = None  # a loaded checkpoint's vectors

    def before_train(self, runner) -> None:
        """Attaches to the model's head."""
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        head = getattr(model, 'bbox_head', None)
        if head is None or getattr(head, 'assigner', None) is None or \
                getattr(model, 'decoder', None) is None:
            raise TypeError(f'MatchingInstabilityHook needs a DETR-like model with a '
                            f'decoder and bbox_head.assigner; got {type(model).__name__}')
        if isinstance(head, DINOHead) and not isinstance(head, (DINOHeadWithoutDN,
                                                                DNHeadMixin)):
            raise TypeError('MatchingInstabilityHook: DINOHead mixes its contrastive '
                            'denoising queries into its outputs; use DINOHeadWithoutDN or '
                            'a DN head')
        self._head = head
        # The vectors of the epoch before the first one trained here, if resumed after it.
        self._previous: Optional[Dict[Hashable, Tensor]] = None
        if self._restored is not None and self._restored['epoch'] == runner.epoch:
            self._previous = {k: v.cpu() for k, v in self._restored['vectors'].items()}
        self._previous_epoch = runner.epoch
        self._current: Dict[Hashable, Tensor] = {}
        self._handles: List = []
        if isinstance(head, DNHeadMixin):
            head.matching_observer = self.observe
        else:
            self._batch: Optional[list] = None
            self._handles = [
                model.register_forward_pre_hook(self._take_batch, with_kwargs=True),
                head.register_forward_hook(self._take_outputs)]

    def _take_batch(self, model: nn.Module, args: tuple, kwargs: dict) -> None:
        """The detector's batch of a training forward, ``forward(inputs, data_samples,
        mode)`` (a baseline's head is given it)."""
        call = dict(zip(('inputs', 'data_samples', 'mode'), args), **kwargs)
        self._batch = call.get('data_samples') if call.get('mode') == 'loss' else None

    def _take_outputs(self, head: nn.Module, args: tuple, outputs: tuple) -> None:
        """A baseline head's forward in its loss: every query is a matching query."""
        if head.training and self._batch is not None:
            self.observe(outputs[0][-1], outputs[1][-1],
                         [s.gt_instances for s in self._batch],
                         [s.metainfo for s in self._batch])
            self._batch = None

    @torch.no_grad()
    def observe(self, cls_scores: Tensor, bbox_preds: Tensor,
                batch_gt_instances: InstanceList, batch_img_metas: List[dict]) -> None:
        """Records V (Eq. 1) of each sample from the last layer's matching predictions.

        Args:
            cls_scores (Tensor): (bs, L, C).
            bbox_preds (Tensor): (bs, L, 4) normalised (cx, cy, w, h).
            batch_gt_instances (list[InstanceData]): the objects matched to.
            batch_img_metas (list[dict]): the samples' metainfo (``img_shape``, the
                image's id, a ``known_label`` for known-label items).
        """
        # Group DETR's heads: the first group, the one that runs at inference.
        num_queries = cls_scores.size(1) // getattr(self._head, 'num_query_groups', 1)
        for scores, boxes, gt, meta in zip(cls_scores[:, :num_queries],
                                           bbox_preds[:, :num_queries], batch_gt_instances,
                                           batch_img_metas):
            if meta.get('placeholder', False):
                continue  # known-label training's stand-in for a batch without objects
            img_h, img_w = meta['img_shape']
            factor = boxes.new_tensor([img_w, img_h, img_w, img_h])
            pred = InstanceData(scores=scores.detach(),
                                bboxes=bbox_cxcywh_to_xyxy(boxes.detach()) * factor)
            result = self._head.assigner.assign(pred_instances=pred, gt_instances=gt,
                                                img_meta=meta)
            self._current[self._key(meta)] = (result.gt_inds - 1).clamp(
                min=UNMATCHED).to(torch.int16).cpu()

    @staticmethod
    def _key(meta: dict) -> Hashable:
        """A sample's identity: its image (id or path) and its known label, if any."""
        return meta.get('img_id', meta.get('img_path')), meta.get('known_label')

    def after_train_epoch(self, runner) -> None:
        """Gathers all ranks' vectors, logs IS against the previous epoch."""
        current = self._gather(self._current)
        self._current = {}
        if not current:
            return
        if self._previous is not None:
            both = [key for key in current if key in self._previous]
            if both:
                per_sample = instability(torch.stack([self._previous[k] for k in both]),
                                         torch.stack([current[k] for k in both]))
                epoch = runner.epoch + 1  # the epoch just trained, counted from 1
                value = per_sample.mean().item()
                runner.logger.info(f'Epoch {epoch}: matching instability (Eq. 2) '
                                   f'{value:.3f} over {len(both)} images')
                runner.visualizer.add_scalars({'matching_instability': value}, step=epoch)
        self._previous, self._previous_epoch = current, runner.epoch + 1

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        """Keeps the last trained epoch's vectors (and its number, from 1)."""
        if self._previous is not None:
            checkpoint[CHECKPOINT_KEY] = dict(epoch=self._previous_epoch,
                                              vectors=self._previous)

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        """Takes a checkpoint's vectors; ``before_train`` uses them only if the training
        resumes after the epoch they were recorded in."""
        self._restored = checkpoint.get(CHECKPOINT_KEY)

    @staticmethod
    def _gather(vectors: Dict[Hashable, Tensor]) -> Dict[Hashable, Tensor]:
        """The vectors every rank recorded this epoch, in one dict."""
        if get_world_size() == 1:
            return vectors
        merged: Dict[Hashable, Tensor] = {}
        for part in all_gather_object(vectors):
            merged.update(part)
        return merged

    def after_train(self, runner) -> None:
        """Detaches from the head."""
        if isinstance(self._head, DNHeadMixin):
            self._head.matching_observer = None
        for handle in self._handles:
            handle.remove()
