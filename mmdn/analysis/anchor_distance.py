"""How far each matched query's initial anchor is from its target (paper §3.2, Fig. 4)."""
import copy
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner import Runner, load_checkpoint
from mmengine.structures import InstanceData
from torch import Tensor

from mmdet.registry import MODELS
from mmdet.structures import SampleList
from mmdet.structures.bbox import bbox_cxcywh_to_xyxy, bbox_xyxy_to_cxcywh, get_box_tensor
from mmdet.utils import register_all_modules


@torch.no_grad()
def matched_anchors(model: torch.nn.Module, data: dict) -> List[Tuple[Tensor, Tensor]]:
    """Each image's matched queries: their initial anchors and their targets.

    The model runs in evaluation mode (no denoising part); its last decoder layer's
    predictions are matched to the ground truth by the head's own Hungarian assigner,
    as in training.

    Args:
        model (nn.Module): a DETR-like detector whose decoder returns ``references``
            starting with the initial anchors: boxes (DAB-DETR, the deformable models,
            DINO) or points (Anchor DETR).
        data (dict): a batch from a test dataloader, with ``gt_instances`` (boxes in
            the original image's pixels, as mmdet's test pipelines load them).

    Returns:
        list[tuple[Tensor, Tensor]]: per image, the matched queries' initial anchors,
        (K, 4) normalised (cx, cy, w, h) or (K, 2) points (cx, cy), and their objects
        (K, 4), normalised (cx, cy, w, h).
    """
    model.eval()
    data = model.data_preprocessor(data, False)
    samples: SampleList = data['data_samples']
    head_inputs = model.forward_transformer(model.extract_feat(data['inputs']), samples)
    if 'references' not in head_inputs:
        raise TypeError(f'{type(model).__name__} has no anchors (its decoder returns no '
                        'references)')
    references = head_inputs['references']
    initial = references[0]  # (bs, L, 4 or 2), sigmoid
    layers_cls_scores, layers_bbox_preds = model.bbox_head(head_inputs['hidden_states'],
                                                           references)
    results = []
    for i, sample in enumerate(samples):
        img_h, img_w = sample.img_shape
        ori_h, ori_w = sample.ori_shape
        targets = get_box_tensor(sample.gt_instances.bboxes) / \
            initial.new_tensor([ori_w, ori_h, ori_w, ori_h])
        scale = initial.new_tensor([img_w, img_h, img_w, img_h])
        pred = InstanceData(scores=layers_cls_scores[-1][i],
                            bboxes=bbox_cxcywh_to_xyxy(layers_bbox_preds[-1][i]) * scale)
        gt = InstanceData(bboxes=targets * scale, labels=sample.gt_instances.labels)
        assigned = model.bbox_head.assigner.assign(pred, gt, img_meta=sample.metainfo).gt_inds
        matched = assigned > 0
        results.append((initial[i][matched],
                        bbox_xyxy_to_cxcywh(targets)[assigned[matched] - 1]))
    return results


def mean_distances(pairs: Sequence[Tuple[Tensor, Tensor]]) -> Dict[str, float]:
    """The mean L1 distance from a matched query's initial anchor to its target, over
    every matched query of ``pairs`` (§3.2: the smaller, the easier the query's job).

    Args:
        pairs (Sequence[tuple[Tensor, Tensor]]): per image, the anchors (K, 4) or (K, 2)
            and targets (K, 4) that :func:`matched_anchors` returns.

    Returns:
        dict: ``matched``, the number of matched queries; ``centre``, the mean
        |Δcx| + |Δcy|; for box anchors ``box``, the mean |Δcx| + |Δcy| + |Δw| + |Δh|.
    """
    if not pairs or sum(len(anchors) for anchors, _ in pairs) == 0:
        raise ValueError('no query was matched to an object: the images have no ground truth')
    anchors = torch.cat([a for a, _ in pairs])
    targets = torch.cat([t for _, t in pairs])
    result = dict(matched=len(anchors),
                  centre=float((anchors[:, :2] - targets[:, :2]).abs().sum(1).mean()))
    if anchors.size(1) == 4:  # boxes; points (Anchor DETR) have centres only
        result['box'] = float((anchors - targets).abs().sum(1).mean())
    return result


def matched_per_image(cfg: Config, checkpoint: str, num_images: Optional[int] = None
                      ) -> Iterator[Tuple[str, torch.Tensor, torch.Tensor]]:
    """The model of ``cfg`` with ``checkpoint`` over its test set (the first
    ``num_images``): per image, its file name and its matched queries' initial anchors
    and targets (:func:`matched_anchors`)."""
    register_all_modules()
    init_default_scope('mmdet')
    model = MODELS.build(cfg.model)
    load_checkpoint(model, checkpoint, map_location='cpu')
    loader_cfg = copy.deepcopy(cfg.test_dataloader)
    loader_cfg.batch_size = 1
    for index, data in enumerate(Runner.build_dataloader(loader_cfg)):
        if num_images is not None and index >= num_images:
            return
        anchors, targets = matched_anchors(model, data)[0]
        yield Path(data['data_samples'][0].img_path).name, anchors, targets
