"""The first masked attention of DN-Mask2Former's denoising queries (paper §4.9).

A denoising query reads its shifted ground-truth mask at the first decoder layer, on the
stride-32 map. Thresholded at half a cell, as Mask2Former thresholds its own masks, the
mask of an object smaller than about a cell covers no cell, and its query would attend
everywhere; :class:`~mmdn.models.dense_heads.DNMask2FormerHead` keeps such a mask's
highest-coverage cell instead. These functions count, over training batches, the real
denoising queries whose first-layer mask is empty under the threshold alone and as the
head builds it.
"""
import math
from typing import Dict, List, Sequence, Tuple

import torch
from torch import Tensor

from mmdet.structures import SampleList
from mmdn.models.layers import gather_real_slots

# COCO's object sizes, by mask area in pixels (here of the network's input image).
SIZE_BINS = (('small', 32**2), ('medium', 96**2), ('large', math.inf))


@torch.no_grad()
def first_layer_rows(head: torch.nn.Module, batch_data_samples: SampleList,
                     size: Tuple[int, int]) -> Dict[str, Tensor]:
    """Draws a batch's denoising queries and reports each real one's first-layer mask.

    Args:
        head (DNMask2FormerHead): the head (its generator draws the shifts).
        batch_data_samples (list[DetDataSample]): a preprocessed training batch (masks
            in the padded frame, ``batch_input_shape`` and ``img_shape`` set).
        size (tuple[int, int]): (h, w) of the first layer's map (stride 32).

    Returns:
        dict: per real denoising query, N = P * K of them (K objects, P groups):
        ``area`` (N, ) its object's mask area in pixels; ``empty_at_half`` (N, ) bool,
        no cell inside the image covered by half; ``empty`` (N, ) bool, every cell
        blocked by :meth:`DNMask2FormerHead.blocked_cells`, the rule of its
        ``dn_cross_attn_mask`` (attends everywhere).
    """
    gts = head.preprocess_gt([s.gt_instances for s in batch_data_samples],
                             [s.get('gt_sem_seg') for s in batch_data_samples])
    dn = head.dn_queries(batch_data_samples, gts)
    pad_shape = batch_data_samples[0].metainfo['batch_input_shape']
    coverage = head.shifted_coverage(dn, size, pad_shape).flatten(2)  # (bs, P*M, h*w)
    inside = head.inside_cells(size, batch_data_samples, coverage.device)
    meta = dn['meta']
    at_half = gather_real_slots(((coverage >= 0.5) & inside).any(-1), meta).flatten()  # (R*P, )
    attends = gather_real_slots((~head.blocked_cells(coverage, inside)).any(-1), meta).flatten()
    area = dn['masks'].flatten(1).sum(1).repeat_interleave(meta['num_groups'])
    return dict(area=area.float().cpu(), empty_at_half=~at_half.cpu(), empty=~attends.cpu())


def empty_shares(batches: Sequence[Dict[str, Tensor]]) -> List[Tuple[str, int, float, float]]:
    """Per object size (:data:`SIZE_BINS`) and over all: (name, denoising queries,
    share empty at half, share empty as built), from :func:`first_layer_rows`'s
    batches; shares are NaN for a size with no query."""
    rows = {key: torch.cat([b[key] for b in batches]) for key in batches[0]}
    lowers = (0., *(upper for _, upper in SIZE_BINS[:-1]))
    bins = [(name, lower, upper) for (name, upper), lower in zip(SIZE_BINS, lowers)]
    table = []
    for name, lower, upper in (*bins, ('all', 0., math.inf)):
        chosen = (rows['area'] >= lower) & (rows['area'] < upper)
        count = int(chosen.sum())
        shares = [float(rows[key][chosen].float().mean()) if count else math.nan
                  for key in ('empty_at_half', 'empty')]
        table.append((name, count, *shares))
    return table
