"""Mask losses at sampled points (Mask2Former's, PointRend's sampling), for queries whose
target mask is known: matched queries and denoising queries alike."""
from typing import Tuple

import torch
from mmcv.ops import point_sample
from torch import Tensor, nn

from mmdet.models.utils import get_uncertain_point_coords_with_randomness


def point_mask_losses(loss_mask: nn.Module, loss_dice: nn.Module, mask_preds: Tensor,
                      target_masks: Tensor, num_points: int, oversample_ratio: float,
                      importance_sample_ratio: float) -> Tuple[Tensor, Tensor]:
    """Per-prediction BCE and dice losses at ``num_points`` points of each prediction,
    chosen as mmdet's Mask2Former chooses them: by uncertainty (|logit| small), with
    randomness.

    Each of the K target masks is sampled once, at the points of all its predictions.

    Args:
        loss_mask (nn.Module): a sigmoid ``CrossEntropyLoss`` (its ``loss_weight`` applied).
        loss_dice (nn.Module): a ``DiceLoss`` (its ``loss_weight`` applied).
        mask_preds (Tensor): (K, *G, h, w) mask logits, G predictions of each object.
        target_masks (Tensor): (K, H, W) binary masks, in the frame of ``mask_preds``
            (any resolution: points are in [0, 1] coordinates).
        num_points (int): points per prediction.
        oversample_ratio (float), importance_sample_ratio (float): as mmdet's.

    Returns:
        tuple[Tensor, Tensor]: the BCE (mean over the points) and the dice loss, each
        (K, *G), not reduced.
    """
    shape = mask_preds.shape[:-2]
    masks = mask_preds.flatten(0, -3)[:, None]  # (K * prod(G), 1, h, w)
    with torch.no_grad():
        points = get_uncertain_point_coords_with_randomness(
            masks, None, num_points, oversample_ratio, importance_sample_ratio)
        targets = point_sample(target_masks[:, None].to(masks.dtype),
                               points.view(shape[0], -1, 2)).view(*shape, -1)
    preds = point_sample(masks, points).view(*shape, -1)
    dice = loss_dice(preds.flatten(0, -2), targets.flatten(0, -2),
                     reduction_override='none').view(shape)
    bce = loss_mask(preds, targets, reduction_override='none').mean(-1)
    return bce, dice
