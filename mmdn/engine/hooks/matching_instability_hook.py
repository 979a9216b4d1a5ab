"""Matching instability (paper §3.1, Eqs. 1-2) measured during training."""
from typing import Dict, List, Optional, Sequence

import torch
from mmengine.dist import all_gather_object, get_world_size
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from torch import Tensor

from mmdet.registry import HOOKS

UNSEEN = -2  # an image not trained on in that epoch
UNMATCHED = -1  # V_n = -1: the query matches no object (Eq. 1)


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

    It records the Hungarian assignment the loss already computes for the last decoder
    layer (no second forward pass): V_n = m if query n is matched to object m, -1 if it
    matches nothing (Eq. 1), for every training image, in an int16 table of
    (dataset size, N matching queries) per epoch (two are kept). At the end of each
    epoch the rows of all ranks are gathered, IS is averaged over the images trained on
    in this epoch and the previous one, and written to the log and the visualizer's
    backends as ``matching_instability`` (step = the epoch, counted from 1; nothing for
    the first epoch, nor for the first one after a resume). Works with every DETR-like
    head of mmdet and mmdn whose ``assigner`` sees the matching queries (the denoising
    part is never matched).

    Enable it from a config::

        custom_hooks = [dict(type='MatchingInstabilityHook')]
    """

    priority = 'LOW'

    def before_train(self, runner) -> None:
        """Finds the head's assigner and indexes the training set's images."""
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        head = getattr(model, 'bbox_head', None)
        if head is None or getattr(head, 'assigner', None) is None or \
                getattr(model, 'decoder', None) is None:
            raise TypeError(f'MatchingInstabilityHook needs a DETR-like model with a '
                            f'decoder and bbox_head.assigner; got {type(model).__name__}')
        self._num_layers = model.decoder.num_layers
        dataset = runner.train_dataloader.dataset
        self._rows: Dict = {self._key(dataset.get_data_info(i)): i for i in range(len(dataset))}
        self._num_images = len(dataset)
        self._previous: Optional[Tensor] = None
        self._current: Optional[Tensor] = None
        self._records: List = []
        self._calls = 0
        self._batch_size = 0
        assigner = head.assigner
        assign = assigner.assign

        def recording_assign(pred_instances, gt_instances, img_meta=None, **kwargs):
            result = assign(pred_instances, gt_instances, img_meta=img_meta, **kwargs)
            # Calls come layer by layer, image by image: the last decoder layer's are
            # calls [(L - 1) * bs, L * bs) of the iteration (an encoder's come after).
            if self._calls // max(self._batch_size, 1) == self._num_layers - 1:
                self._records.append((self._key(img_meta), result.gt_inds - 1))
            self._calls += 1
            return result

        own = vars(assigner).get('assign')  # an instance attribute to put back, if any
        assigner.assign = recording_assign
        self._restore = lambda: (setattr(assigner, 'assign', own) if own is not None
                                 else delattr(assigner, 'assign'))

    @staticmethod
    def _key(info: dict):
        """An image's identity in the data list and in its meta information."""
        return info.get('img_id', info.get('img_path'))

    def before_train_iter(self, runner, batch_idx: int, data_batch: dict = None) -> None:
        self._calls = 0
        self._batch_size = len(data_batch['data_samples']) if data_batch else 0

    def after_train_iter(self, runner, batch_idx: int, data_batch: dict = None,
                         outputs: dict = None) -> None:
        """Moves the iteration's matching vectors into the epoch's table."""
        for key, vector in self._records:
            if self._current is None:
                self._current = torch.full((self._num_images, len(vector)), UNSEEN,
                                           dtype=torch.int16)
            self._current[self._rows[key]] = vector.clamp(min=UNMATCHED).to(
                torch.int16).cpu()
        self._records = []

    def after_train_epoch(self, runner) -> None:
        """Gathers all ranks' rows, logs IS against the previous epoch."""
        current = self._gather(self._current)
        if current is None:
            return
        if self._previous is not None:
            per_image = instability(self._previous, current)
            if len(per_image) > 0:
                epoch = runner.epoch + 1  # the epoch just trained, counted from 1
                value = per_image.mean().item()
                runner.logger.info(f'Epoch {epoch}: matching instability (Eq. 2) '
                                   f'{value:.3f} over {len(per_image)} images')
                runner.visualizer.add_scalars({'matching_instability': value}, step=epoch)
        self._previous, self._current = current, None

    def _gather(self, table: Optional[Tensor]) -> Optional[Tensor]:
        """The rows every rank filled this epoch, in one table (None if no rank did)."""
        if get_world_size() == 1:
            return table
        rows = [] if table is None else \
            (table[:, 0] != UNSEEN).nonzero()[:, 0].tolist()
        parts: Sequence = all_gather_object((rows, None if table is None else table[rows]))
        merged = None
        for rank_rows, values in parts:
            if values is None or not rank_rows:
                continue
            if merged is None:
                merged = torch.full((self._num_images, values.size(1)), UNSEEN,
                                    dtype=torch.int16)
            merged[rank_rows] = values
        return merged

    def after_train(self, runner) -> None:
        """Puts the assigner back."""
        self._restore()
