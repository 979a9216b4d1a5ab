"""A detector as a function of tensors only: the graph an ONNX export traces."""
from typing import List, Tuple

import torch
import torch.nn.functional as F
from mmcv.ops import batched_nms
from mmengine.structures import InstanceData
from torch import Tensor, nn

from mmdet.structures import DetDataSample
from mmdet.structures.bbox import bbox2roi


class ExportableDetector(nn.Module):
    """Wraps an mmdet detector so that its inference is ``(inputs, valid_hw) -> (boxes,
    scores, labels)``, with no Python metadata left to be frozen by tracing.

    The detector's own ``predict`` runs (DN models are their baselines there; a two-stage
    detector runs :meth:`two_stage_predict`, mmdet's steps written for tracing): the data
    samples it reads are built from the inputs, each field a traced tensor —
    ``batch_input_shape`` the padded size (H, W) of ``inputs``, ``img_shape`` the valid
    size of each image — so the padding masks of the DETR family and the clipping of
    the boxes follow the sizes given at run time, and a padded batch of images of
    different sizes gives what it gives in PyTorch. The fields are set without
    ``set_metainfo``, whose deep copy would cut them from the trace.

    Args:
        detector (nn.Module): an mmdet detector; put in eval mode.
        max_detections (int): detections per image in the outputs; an image with fewer
            (a two-stage detector after NMS) is padded with boxes of 0, score 0 and
            label -1.

    Inputs:
        inputs (Tensor): (B, 3, H, W) normalised images, each padded at its bottom and
            right to (H, W), as the detector's data preprocessor gives them.
        valid_hw (Tensor): (B, 2) int64, the height and width of each image in
            ``inputs`` before padding.

    Outputs:
        boxes (Tensor): (B, max_detections, 4) (x1, y1, x2, y2) in the pixels of
            ``inputs``. scores (Tensor): (B, max_detections). labels (Tensor):
            (B, max_detections) int64.
    """

    def __init__(self, detector: nn.Module, max_detections: int) -> None:
        super().__init__()
        self.detector = detector
        self.max_detections = max_detections
        self.eval()

    def forward(self, inputs: Tensor, valid_hw: Tensor) -> Tuple[Tensor, Tensor, Tensor]:
        """See the class docstring."""
        height, width = inputs.shape[-2:]
        samples = []
        for img_id in range(inputs.size(0)):
            sample = DetDataSample()
            meta = dict(batch_input_shape=(height, width), pad_shape=(height, width),
                        img_shape=(valid_hw[img_id, 0], valid_hw[img_id, 1]),
                        scale_factor=(1., 1.))
            for key, value in meta.items():
                sample.set_field(value, key, field_type='metainfo')
            samples.append(sample)
        if hasattr(self.detector, 'roi_head'):
            results = self.two_stage_predict(inputs, samples)
        else:
            results = [sample.pred_instances for sample in
                       self.detector.predict(inputs, samples, rescale=False)]
        boxes, scores, labels = [], [], []
        for pred in results:
            missing = self.max_detections - pred.scores.size(0)
            boxes.append(F.pad(pred.bboxes, (0, 0, 0, missing)))
            scores.append(F.pad(pred.scores, (0, missing)))
            labels.append(F.pad(pred.labels, (0, missing), value=-1))
        return torch.stack(boxes), torch.stack(scores), torch.stack(labels)

    def two_stage_predict(self, inputs: Tensor,
                          samples: List[DetDataSample]) -> List[InstanceData]:
        """mmdet's two-stage ``predict``: RPN proposals (:meth:`rpn_proposals`), then the
        RoI head image by image (mmdet's batched RoI head splits its outputs by the
        Python count of each image's proposals, which a trace would freeze)."""
        feats = self.detector.extract_feat(inputs)
        roi_head = self.detector.roi_head
        results = []
        for img_id, sample in enumerate(samples):
            img_feats = [feat[img_id:img_id + 1] for feat in feats]
            rois = bbox2roi([self.rpn_proposals(img_feats, sample)])
            cls_score, bbox_pred = roi_head.bbox_head(self.roi_features(img_feats, rois))
            results.append(roi_head.bbox_head._predict_by_feat_single(
                rois, cls_score, bbox_pred, sample.metainfo, rescale=False,
                rcnn_test_cfg=roi_head.test_cfg))
        return results

    def rpn_proposals(self, feats: List[Tensor], sample: DetDataSample) -> Tensor:
        """mmdet's ``RPNHead`` proposals of one image (its ``test_cfg``: top ``nms_pre``
        anchors a level, decoding clipped to the image, boxes with a side not above
        ``min_bbox_size`` removed, NMS per level, ``max_per_img`` kept), written so that
        a trace follows the sizes: mmdet's version builds the level indices with
        Python-sized ``new_full`` (folded into constants of the traced size) and
        branches on the anchor count of each level.

        Args:
            feats (list[Tensor]): the neck's levels for this image, each (1, C, h, w).
            sample (DetDataSample): its ``img_shape`` clips the boxes.

        Returns:
            Tensor: (K, 4) proposals (x1, y1, x2, y2), by decreasing score.
        """
        rpn = self.detector.rpn_head
        cfg = rpn.test_cfg
        cls_scores, bbox_preds = rpn(feats)
        priors = rpn.prior_generator.grid_priors(
            [score.shape[-2:] for score in cls_scores], dtype=feats[0].dtype,
            device=feats[0].device)
        boxes, scores, levels = [], [], []
        for level, (cls_score, bbox_pred, prior) in enumerate(
                zip(cls_scores, bbox_preds, priors)):
            cls_score = cls_score[0].permute(1, 2, 0).reshape(-1, rpn.cls_out_channels)
            score = (cls_score.sigmoid() if rpn.use_sigmoid_cls else
                     cls_score.softmax(-1)[:, :-1]).reshape(-1)
            bbox_pred = bbox_pred[0].permute(1, 2, 0).reshape(-1, rpn.bbox_coder.encode_size)
            if cfg.get('nms_pre', -1) > 0:
                count = torch.clamp(torch._shape_as_tensor(score)[0], max=cfg.nms_pre)
                score, keep = score.topk(count)
                bbox_pred, prior = bbox_pred[keep], prior[keep]
            boxes.append(rpn.bbox_coder.decode(prior, bbox_pred,
                                               max_shape=sample.img_shape))
            scores.append(score)
            levels.append(torch.full_like(score, level, dtype=torch.long))
        boxes, scores, levels = torch.cat(boxes), torch.cat(scores), torch.cat(levels)
        if cfg.get('min_bbox_size', -1) >= 0:
            size = boxes[:, 2:] - boxes[:, :2]
            keep = (size > cfg.min_bbox_size).all(1).nonzero().squeeze(1)
            boxes, scores, levels = boxes[keep], scores[keep], levels[keep]
        _, keep = batched_nms(boxes, scores, levels, cfg.nms)
        return boxes[keep[:cfg.max_per_img]]

    def roi_features(self, feats: List[Tensor], rois: Tensor) -> Tensor:
        """mmdet's ``SingleRoIExtractor`` (each RoI pooled from the level its scale maps
        to), written with gathers only: mmdet's version branches on a level having no
        RoI and writes each level's features in place at its RoIs' indices, whose ONNX
        form keeps the shapes of the traced input (onnxruntime failed on a level with a
        number of RoIs other than the traced one).

        Args:
            feats (list[Tensor]): the neck's levels, each (1, C, h, w).
            rois (Tensor): (K, 5) (batch index, x1, y1, x2, y2).

        Returns:
            Tensor: (K, C, S, S) features, in the order of ``rois``.
        """
        extractor = self.detector.roi_head.bbox_roi_extractor
        feats = feats[:extractor.num_inputs]
        levels = extractor.map_roi_levels(rois, len(feats))
        inds = [(levels == level).nonzero().squeeze(1) for level in range(len(feats))]
        pooled = torch.cat([roi_layer(feat, rois[i]) for feat, roi_layer, i in zip(
            feats, extractor.roi_layers, inds)])
        return pooled[torch.cat(inds).argsort()]
