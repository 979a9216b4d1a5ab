"""Mask DINO's head (Li et al., CVPR 2023) with this repository's denoising part: the
last row of the paper's Table 3 ("Mask DINO-R50 w/o mask DN / w/ mask DN")."""
from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from mmcv.ops import MultiScaleDeformableAttention, point_sample
from mmengine.model import BaseModule
from mmengine.structures import InstanceData
from torch import Tensor, nn

from mmdet.models.detectors.deformable_detr import DeformableDETR
from mmdet.models.layers import DinoTransformerDecoder
from mmdet.models.layers.transformer import MLP, inverse_sigmoid
from mmdet.registry import MODELS, TASK_UTILS
from mmdet.structures import SampleList
from mmdet.structures.bbox import bbox_cxcywh_to_xyxy, bbox_xyxy_to_cxcywh, get_box_tensor
from mmdet.utils import ConfigType, InstanceList, OptConfigType, reduce_mean
from ..layers.dn_query_generator import build_dn_query_generator, gather_real_slots
from ..losses import point_mask_losses, reconstruction_losses
from ..utils import host_tensor
from .dn_head_mixin import dn_avg_factor, name_dn_losses, zero_dn_losses

#: Prediction sets' loss-name prefixes: the encoder's selection, then the decoder's
#: (the one before its first layer is ``d0.``, the last layer's has no prefix).
ENC_PREFIX = 'enc_'


def masks_to_boxes(masks: Tensor) -> Tensor:
    """Tight boxes of binary masks, as detectron2's ``BitMasks.get_bounding_boxes``
    (Mask DINO's 'bitmask' box initialisation): x1 the first column holding the mask,
    x2 one past the last, the same for y; an empty mask gives (0, 0, 0, 0).

    Args:
        masks (Tensor): (..., h, w) bool.

    Returns:
        Tensor: (..., 4) float (x1, y1, x2, y2) in cells of the mask's map.
    """
    def span(occupied: Tensor) -> Tuple[Tensor, Tensor]:  # (..., n) bool -> first, end
        n = occupied.size(-1)
        first = occupied.float().argmax(-1)
        end = n - occupied.flip(-1).float().argmax(-1)
        return first, end

    x1, x2 = span(masks.any(-2))
    y1, y2 = span(masks.any(-1))
    boxes = torch.stack([x1, y1, x2, y2], -1).float()
    return boxes * masks.flatten(-2).any(-1, keepdim=True)


@MODELS.register_module()
class MaskDINOHead(BaseModule):
    """Mask DINO for instance segmentation, with P groups of DN-DETR's denoising queries.

    Follows the official code (IDEA-Research/MaskDINO, ``maskdino_decoder.py``,
    ``criterion.py``, ``matcher.py``, ``maskdino.py``):

    - **Pixel decoder**: mmdet's ``MSDeformAttnPixelDecoder`` (Mask2Former's: 6
      deformable encoder layers on the backbone's last three levels, an FPN level at
      stride 4 and the 1x1 mask-feature conv), as the official ``MaskDINOEncoder``.
    - **Unified query selection** (two-stage): each encoder token is embedded
      (``memory_trans_fc``, ``memory_trans_norm``) and scored by the class head; the
      top L tokens give the decoder's content (detached) and, through the shared heads,
      the encoder's class, box *and mask* predictions (``enc_`` losses).
    - **Mask-enhanced anchor boxes** (``mask_enhanced_boxes``): the decoder's initial
      anchors are the tight boxes of the selected tokens' predicted masks (logit > 0,
      :func:`masks_to_boxes`; the official 'bitmask' type), not their regressed boxes.
    - **Decoder**: mmdet's ``DinoTransformerDecoder`` (9 deformable layers, anchors
      refined layer by layer, look forward twice), on the pixel decoder's multi-scale
      features (no padding mask, as the official code).
    - **Shared heads**: one class ``Linear``, one box ``MLP`` and one mask-embedding
      ``MLP`` serve the encoder proposals, the prediction before the first decoder layer
      and all decoder layers; masks = mask embedding · per-pixel features at stride 4.
      The decoder's layer norm is applied to each prediction's query (the decoder's
      outputs are normed once by the decoder and once here, as in the official code).
    - **Denoising** (:class:`DnQueryGenerator`, the paper's setting: P = 5 groups,
      γ = 0.2, λ1 = λ2 = 0.4; ``dn_cfg=dict(num_groups=100, max_dn_queries=100)`` is the
      official dynamic count, 100 // M groups): noised ground truth before the L
      matching queries, the mask of Eq. 7 (matching queries do not see DN queries, DN
      groups do not see each other). Every DN query predicts class, box and mask at
      every decoder prediction (not the encoder's): class (focal), L1 and GIoU
      reconstruction losses always, and with ``mask_dn`` the same point-sampled BCE
      and dice losses as the matched queries (the official ``dn="seg"``; without it,
      ``dn="standard"``, the paper's "w/o mask DN"). They are divided by the number of
      real DN queries averaged over ranks.
    - **Matching and losses**: Hungarian matching on focal class (4), L1 (5), GIoU (2),
      mask BCE (5) and dice (5) costs, the masks compared at ``num_points`` uniform
      random points; losses with the same weights on every prediction set (encoder,
      before the first layer, each layer), the masks at ``num_points`` points chosen
      by uncertainty, all divided by the number of objects averaged over ranks.
    - **Inference**: sigmoid scores, the top ``test_cfg.max_per_image`` (query, class)
      pairs, mask = logit > 0, score × the mean mask probability inside the mask; the
      box is the last layer's (the official Mask DINO's instance inference). mmdet's
      ``MaskFormerFusionHead.instance_postprocess`` is not used: its scores are a
      softmax with a background class and its boxes are the masks' extents, where
      Mask DINO classifies by sigmoid and predicts its boxes; only the mask score is
      the same formula.

    It differs from the official code in: the DN content is the label embedding of
    D - 1 dimensions plus the indicator of §4.5 (the official code: D dimensions, no
    indicator); the DN groups are fixed at P (the official code: 100 // M groups, no
    denoising when M > 100; the cap here then subsamples 100 objects); and all boxes
    (the ground truth, the anchors from masks, the proposals) are normalised by the
    image's size (``img_shape``), where the official code normalises the ground truth
    by the image's size but the mask boxes and proposals by the padded input's.

    Args:
        num_classes (int): the number of classes C.
        pixel_decoder (dict): the pixel decoder's config.
        decoder (dict): ``DinoTransformerDecoder``'s config (``num_layers``,
            ``layer_cfg``, ``return_intermediate=True``).
        num_queries (int): L, the matching queries. Default 300.
        mask_enhanced_boxes (bool): anchors from the predicted masks. Default True.
        dn_cfg (dict, optional): the :class:`DnQueryGenerator` options (``num_classes``
            and ``embed_dims`` come from the head); None for no denoising.
        mask_dn (bool): the DN queries' mask losses (mask denoising). Default True.
        num_points (int): points per mask in matching and losses. Default 12544.
        oversample_ratio (float), importance_sample_ratio (float): the loss's point
            sampling, as mmdet's Mask2Former. Defaults 3.0 and 0.75.
        loss_cls, loss_bbox, loss_iou, loss_mask, loss_dice (dict): the losses.
        train_cfg (dict): ``assigner`` (a ``HungarianAssigner`` with the five costs).
        test_cfg (dict): ``max_per_image`` (default 100).
    """

    def __init__(self,
                 num_classes: int,
                 pixel_decoder: ConfigType,
                 decoder: ConfigType,
                 num_queries: int = 300,
                 mask_enhanced_boxes: bool = True,
                 dn_cfg: OptConfigType = None,
                 mask_dn: bool = True,
                 num_points: int = 12544,
                 oversample_ratio: float = 3.0,
                 importance_sample_ratio: float = 0.75,
                 loss_cls: ConfigType = dict(type='FocalLoss', use_sigmoid=True, gamma=2.0,
                                             alpha=0.25, loss_weight=4.0),
                 loss_bbox: ConfigType = dict(type='L1Loss', loss_weight=5.0),
                 loss_iou: ConfigType = dict(type='GIoULoss', loss_weight=2.0),
                 loss_mask: ConfigType = dict(type='CrossEntropyLoss', use_sigmoid=True,
                                              reduction='mean', loss_weight=5.0),
                 loss_dice: ConfigType = dict(type='DiceLoss', use_sigmoid=True,
                                              activate=True, reduction='mean',
                                              naive_dice=True, eps=1.0, loss_weight=5.0),
                 train_cfg: OptConfigType = None,
                 test_cfg: OptConfigType = None,
                 init_cfg: OptConfigType = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if num_queries < 1:
            raise ValueError(f'num_queries must be >= 1, got {num_queries}')
        self.num_classes = num_classes
        self.num_queries = num_queries
        self.mask_enhanced_boxes = mask_enhanced_boxes
        self.mask_dn = mask_dn
        self.num_points = num_points
        self.oversample_ratio = oversample_ratio
        self.importance_sample_ratio = importance_sample_ratio
        self.pixel_decoder = MODELS.build(pixel_decoder)
        self.decoder = DinoTransformerDecoder(**decoder)
        dims = self.decoder.embed_dims
        self.memory_trans_fc = nn.Linear(dims, dims)
        self.memory_trans_norm = nn.LayerNorm(dims)
        self.cls_branch = nn.Linear(dims, num_classes)
        self.reg_branch = MLP(dims, dims, 4, 3)
        self.mask_embed = MLP(dims, dims, self.pixel_decoder.mask_feature.out_channels, 3)
        self.dn_generator = None if dn_cfg is None else build_dn_query_generator(
            dn_cfg, num_classes=num_classes, embed_dims=dims)
        self.loss_cls = MODELS.build(loss_cls)
        self.loss_bbox = MODELS.build(loss_bbox)
        self.loss_iou = MODELS.build(loss_iou)
        self.loss_mask = MODELS.build(loss_mask)
        self.loss_dice = MODELS.build(loss_dice)
        self.train_cfg = train_cfg or {}
        self.test_cfg = test_cfg or {}
        if train_cfg is not None:
            self.assigner = TASK_UTILS.build(train_cfg['assigner'])

    # Deformable DETR's encoder proposals (one per memory token, from its level's grid),
    # borrowed: they read the ``memory_trans_fc`` / ``memory_trans_norm`` this head holds.
    gen_encoder_output_proposals = DeformableDETR.gen_encoder_output_proposals

    def init_weights(self) -> None:
        """The pixel decoder's and the deformable attentions' own inits, Xavier for the
        decoder's other matrices (as mmdet's DINO and the official decoder), and the
        box MLP's last layer at zero (the official code's)."""
        super().init_weights()
        for p in self.decoder.parameters():
            if p.dim() > 1:
                nn.init.xavier_uniform_(p)
        for m in self.decoder.modules():
            if isinstance(m, MultiScaleDeformableAttention):
                m.init_weights()
        nn.init.zeros_(self.reg_branch.layers[-1].weight)
        nn.init.zeros_(self.reg_branch.layers[-1].bias)

    def prediction_heads(self, query: Tensor, mask_features: Tensor,
                         with_masks: bool = True) -> Tuple[Tensor, Optional[Tensor]]:
        """Class logits (bs, N, C) and mask logits (bs, N, h, w) of queries (bs, N, D),
        after the decoder's layer norm; masks only ``with_masks``."""
        query = self.decoder.norm(query)
        masks = None
        if with_masks:
            masks = torch.einsum('bqc,bchw->bqhw', self.mask_embed(query), mask_features)
        return self.cls_branch(query), masks

    def forward(self, x: Sequence[Tensor], batch_data_samples: SampleList,
                with_dn: bool = False) -> Tuple[Tuple, Tuple, Optional[Dict]]:
        """The encoder's and the decoder's predictions.

        Args:
            x (sequence[Tensor]): the backbone's levels (stride 4 to 32).
            batch_data_samples (list[DetDataSample]): the batch (``img_shape``,
                ``batch_input_shape``; the ground truth ``with_dn``).
            with_dn (bool): prepend the denoising queries (training).

        Returns:
            tuple: ``enc``: the selected tokens' class logits (bs, L, C), boxes (bs, L,
            4) and mask logits (bs, L, h, w); ``dec``: lists over the 1 + num_layers
            decoder predictions of class logits (bs, W, C), boxes (bs, W, 4) and mask
            logits (bs, W, h, w) (in eval mode the last only, the others None), W = P*M
            + L with the DN queries first; ``dn_meta`` (the generator's) or None. Boxes
            are normalised (cx, cy, w, h) in the image's frame; masks at stride 4 of
            the padded input.
        """
        mask_features, multi_scale = self.pixel_decoder(x)
        levels = multi_scale[::-1]  # the pixel decoder's are coarse to fine
        memory = torch.cat([f.flatten(2).transpose(1, 2) for f in levels], 1)
        spatial_shapes = host_tensor([f.shape[-2:] for f in levels], torch.long,
                                     memory.device).view(-1, 2)
        level_start_index = torch.cat([spatial_shapes.new_zeros(1),
                                       spatial_shapes.prod(1).cumsum(0)[:-1]])
        padding, valid_ratios = self.padding_masks(batch_data_samples, levels)
        memory_mask = None if padding is None else torch.cat(
            [p.flatten(1) for p in padding], 1)
        # Unified query selection: Deformable DETR's proposals.
        output_memory, proposals = self.gen_encoder_output_proposals(memory, memory_mask,
                                                                     spatial_shapes)
        enc_scores = self.cls_branch(output_memory)
        enc_coords = self.reg_branch(output_memory) + proposals
        topk = enc_scores.max(-1)[0].topk(self.num_queries, dim=1)[1]
        query = torch.gather(output_memory, 1,
                             topk[..., None].expand(-1, -1, output_memory.size(-1)))
        enc_boxes = torch.gather(enc_coords, 1, topk[..., None].expand(-1, -1, 4)).sigmoid()
        enc_cls, enc_masks = self.prediction_heads(query, mask_features)
        reference = enc_boxes.detach()
        if self.mask_enhanced_boxes:
            reference = self.mask_anchor_boxes(enc_masks.detach(), batch_data_samples)
        query = query.detach()
        self_attn_mask, dn_meta = None, None
        if with_dn:
            dn_query, dn_anchor, self_attn_mask, dn_meta = self.dn_generator(
                batch_data_samples, self.num_queries)
            query = torch.cat([dn_query, query], 1)
            reference = torch.cat([dn_anchor.sigmoid(), reference], 1)
        with_masks = self.training
        init_cls, init_masks = self.prediction_heads(query, mask_features, with_masks)
        hidden, references = self.decoder(
            query=query, value=memory, key_padding_mask=None,
            self_attn_mask=self_attn_mask, reference_points=reference,
            spatial_shapes=spatial_shapes, level_start_index=level_start_index,
            valid_ratios=valid_ratios, reg_branches=[self.reg_branch] * len(
                self.decoder.layers))
        all_cls, all_boxes, all_masks = [init_cls], [reference], [init_masks]
        for i, (state, ref) in enumerate(zip(hidden, references[:-1])):
            last = i == len(hidden) - 1
            cls, masks = self.prediction_heads(state, mask_features, with_masks or last)
            all_cls.append(cls)
            all_masks.append(masks)
            all_boxes.append((self.reg_branch(state) + inverse_sigmoid(ref)).sigmoid())
        return (enc_cls, enc_boxes, enc_masks), (all_cls, all_boxes, all_masks), dn_meta

    @staticmethod
    def padding_masks(batch_data_samples: SampleList, levels: Sequence[Tensor]
                      ) -> Tuple[Optional[List[Tensor]], Tensor]:
        """Each level's padding (bs, h, w) bool (None when no image is padded) and the
        valid ratios (bs, num_levels, 2), as mmdet's DeformableDETR derives them."""
        bs = levels[0].size(0)
        pad_h, pad_w = batch_data_samples[0].metainfo['batch_input_shape']
        shapes = [s.metainfo['img_shape'][:2] for s in batch_data_samples]
        if all(tuple(s) == (pad_h, pad_w) for s in shapes):
            return None, levels[0].new_ones(bs, len(levels), 2)
        image = levels[0].new_ones(bs, pad_h, pad_w)
        for b, (h, w) in enumerate(shapes):
            image[b, :h, :w] = 0
        padding = [F.interpolate(image[None], size=f.shape[-2:]).to(torch.bool)[0]
                   for f in levels]
        return padding, torch.stack([DeformableDETR.get_valid_ratio(p) for p in padding], 1)

    @staticmethod
    def mask_anchor_boxes(mask_logits: Tensor, batch_data_samples: SampleList) -> Tensor:
        """Mask-enhanced anchors: the tight boxes of the masks ``logit > 0`` (bs, L, h, w)
        as normalised (cx, cy, w, h) in each image's frame, clamped to [0, 1]."""
        pad_h, pad_w = batch_data_samples[0].metainfo['batch_input_shape']
        stride = host_tensor([pad_w / mask_logits.size(-1), pad_h / mask_logits.size(-2)] * 2,
                             mask_logits.dtype, mask_logits.device)
        sizes = host_tensor([[s.metainfo['img_shape'][1], s.metainfo['img_shape'][0]] * 2
                             for s in batch_data_samples], mask_logits.dtype,
                            mask_logits.device).view(-1, 1, 4)
        boxes = masks_to_boxes(mask_logits > 0) * stride / sizes
        return bbox_xyxy_to_cxcywh(boxes.clamp(0, 1))

    def loss(self, x: Sequence[Tensor], batch_data_samples: SampleList) -> Dict[str, Tensor]:
        """Matching losses on every prediction set, plus the denoising losses.

        Returns:
            dict: ``enc_loss_*``, ``d{i}.loss_*`` and ``loss_*`` (cls, bbox, iou, mask,
            dice); with denoising ``d{i}.dn_loss_*`` and ``dn_loss_*`` (cls, bbox, iou;
            mask and dice with ``mask_dn``).
        """
        gts = self.targets(batch_data_samples)
        metas = [s.metainfo for s in batch_data_samples]
        enc, (all_cls, all_boxes, all_masks), dn_meta = self(
            x, batch_data_samples, with_dn=self.dn_generator is not None)
        num_dn = 0 if dn_meta is None else dn_meta['num_dn_queries']
        # Every rank takes part in the all-reduce, whatever its objects.
        num_objects = host_tensor(float(sum(len(g) for g in gts)), enc[0].dtype,
                                  enc[0].device)
        avg_factor = reduce_mean(num_objects).clamp(min=1)
        losses = {}
        sets = [(ENC_PREFIX, *enc)] + [
            (f'd{i}.' if i < len(all_cls) - 1 else '', c[:, num_dn:], b[:, num_dn:],
             m[:, num_dn:]) for i, (c, b, m) in enumerate(zip(all_cls, all_boxes, all_masks))]
        for prefix, cls, boxes, masks in sets:
            for name, value in self.loss_set(cls, boxes, masks, gts, metas,
                                             avg_factor).items():
                losses[f'{prefix}{name}'] = value
        if dn_meta is not None:
            losses.update(self.loss_dn([c[:, :num_dn] for c in all_cls],
                                       [b[:, :num_dn] for b in all_boxes],
                                       [m[:, :num_dn] for m in all_masks], gts, dn_meta))
        return losses

    @staticmethod
    def targets(batch_data_samples: SampleList) -> InstanceList:
        """Each image's ``labels``, ``bboxes`` (n, 4) pixel (x1, y1, x2, y2) and
        ``masks`` (n, H, W) bool in the padded input's frame."""
        pad_h, pad_w = batch_data_samples[0].metainfo['batch_input_shape']
        gts = []
        for sample in batch_data_samples:
            gt = sample.gt_instances
            labels = gt.labels
            masks = gt.masks.to_tensor(torch.bool, labels.device)
            masks = F.pad(masks, (0, pad_w - masks.size(-1), 0, pad_h - masks.size(-2)))
            gts.append(InstanceData(labels=labels, bboxes=get_box_tensor(gt.bboxes),
                                    masks=masks))
        return gts

    def loss_set(self, cls: Tensor, boxes: Tensor, masks: Tensor, gts: InstanceList,
                 metas: List[dict], avg_factor: Tensor) -> Dict[str, Tensor]:
        """Hungarian matching and losses of one prediction set.

        Args:
            cls (Tensor): (bs, L, C) logits.
            boxes (Tensor): (bs, L, 4) normalised (cx, cy, w, h).
            masks (Tensor): (bs, L, h, w) logits.
            gts (list[InstanceData]): :meth:`targets`'.
            metas (list[dict]): the images' metainfo.
            avg_factor (Tensor): the number of objects averaged over ranks.

        Returns:
            dict: ``loss_cls``, ``loss_bbox``, ``loss_iou``, ``loss_mask``,
            ``loss_dice``.
        """
        bs, num_queries = cls.shape[:2]
        labels = cls.new_full((bs, num_queries), self.num_classes, dtype=torch.long)
        query_index, gt_index = [], []
        for b, (gt, meta) in enumerate(zip(gts, metas)):
            query, obj = self.assign(cls[b], boxes[b], masks[b], gt, meta)
            labels[b, query] = gt.labels[obj]
            query_index.append(query + b * num_queries)
            gt_index.append(obj)
        query_index = torch.cat(query_index)
        loss_cls = self.loss_cls(cls.flatten(0, 1), labels.flatten(), avg_factor=avg_factor)
        pred_boxes = boxes.flatten(0, 1)[query_index]
        target_boxes = torch.cat([g.bboxes[i] for g, i in zip(gts, gt_index)])
        factors = host_tensor([[m['img_shape'][1], m['img_shape'][0]] * 2
                               for i, m in zip(gt_index, metas) for _ in range(len(i))],
                              boxes.dtype, boxes.device).view(-1, 4)
        loss_bbox = self.loss_bbox(pred_boxes, bbox_xyxy_to_cxcywh(target_boxes) / factors,
                                   avg_factor=avg_factor)
        loss_iou = self.loss_iou(bbox_cxcywh_to_xyxy(pred_boxes) * factors, target_boxes,
                                 avg_factor=avg_factor)
        matched_masks = masks.flatten(0, 1)[query_index]
        if len(matched_masks) == 0:  # no object in the batch: zeros, in the graph
            loss_mask = loss_dice = masks.sum() * 0
        else:
            target_masks = torch.cat([g.masks[i] for g, i in zip(gts, gt_index)])
            bce, dice = point_mask_losses(self.loss_mask, self.loss_dice, matched_masks,
                                          target_masks, self.num_points,
                                          self.oversample_ratio, self.importance_sample_ratio)
            loss_mask, loss_dice = bce.sum() / avg_factor, dice.sum() / avg_factor
        return dict(loss_cls=loss_cls, loss_bbox=loss_bbox, loss_iou=loss_iou,
                    loss_mask=loss_mask, loss_dice=loss_dice)

    @torch.no_grad()
    def assign(self, cls: Tensor, boxes: Tensor, masks: Tensor, gt: InstanceData,
               meta: dict) -> Tuple[Tensor, Tensor]:
        """One image's Hungarian matching: the matched queries and their objects' indices
        (each (K, ) long), the masks compared at ``num_points`` uniform random points
        shared by all queries and objects (as the official matcher and mmdet's
        Mask2Former)."""
        points = torch.rand(1, self.num_points, 2, device=cls.device)
        img_h, img_w = meta['img_shape'][:2]
        factor = host_tensor([img_w, img_h, img_w, img_h], boxes.dtype, boxes.device)
        pred = InstanceData(
            scores=cls, bboxes=bbox_cxcywh_to_xyxy(boxes) * factor,
            masks=point_sample(masks[:, None], points.expand(len(masks), -1, -1))[:, 0])
        target = InstanceData(
            labels=gt.labels, bboxes=gt.bboxes,
            masks=point_sample(gt.masks[:, None].to(masks.dtype),
                               points.expand(len(gt), -1, -1))[:, 0])
        result = self.assigner.assign(pred, target, img_meta=meta)
        query = torch.nonzero(result.gt_inds > 0, as_tuple=True)[0]
        return query, result.gt_inds[query] - 1

    def loss_dn(self, cls: List[Tensor], boxes: List[Tensor], masks: List[Tensor],
                gts: InstanceList, dn_meta: Dict) -> Dict[str, Tensor]:
        """Reconstruction losses of the denoising queries on every decoder prediction.

        Args:
            cls, boxes, masks (list[Tensor]): per prediction, the DN queries' (bs, P*M,
                C) logits, (bs, P*M, 4) boxes and (bs, P*M, h, w) mask logits.
            gts (list[InstanceData]): :meth:`targets`', whose masks are the mask targets.
            dn_meta (dict): the generator's.

        Returns:
            dict: ``d{i}.dn_loss_*`` and ``dn_loss_*``: cls, bbox, iou (and mask, dice
            with ``mask_dn``), each summed over the real slots of all groups and divided
            by their number averaged over ranks (at least 1).
        """
        num_sets = len(cls)
        cls, boxes = torch.stack(cls), torch.stack(boxes)
        avg_factor = dn_avg_factor(dn_meta, cls)
        kinds = ('cls', 'bbox', 'iou') + (('mask', 'dice') if self.mask_dn else ())
        if dn_meta['num_dn_queries'] == 0:  # no image has objects
            losses = zero_dn_losses([cls, boxes, *masks], num_sets, len(kinds))
        else:
            groups = (dn_meta['num_groups'], dn_meta['group_size'])  # (P, M)
            losses = reconstruction_losses(
                self.loss_cls, self.loss_bbox, self.loss_iou, cls.unflatten(2, groups),
                boxes.unflatten(2, groups), dn_meta['labels'], dn_meta['boxes'],
                dn_meta['valid'].to(cls.dtype), dn_meta.get('image_sizes'))
            if self.mask_dn:
                losses = torch.cat([losses, self.dn_mask_sums(masks, gts, dn_meta)], 1)
            losses = losses / avg_factor
        return name_dn_losses(losses, kinds)

    def dn_mask_sums(self, masks: List[Tensor], gts: InstanceList, dn_meta: Dict) -> Tensor:
        """The DN queries' point-sampled BCE and dice losses, summed over the real slots
        of every group (``dn_meta``'s ``slots``, holding its ``objects``): (num_sets,
        2)."""
        targets = torch.cat([g.masks for g in gts]).index_select(0, dn_meta['objects'])
        # (bs, P*M, h, w) per set -> (R, sets, P, h, w): only the real slots are copied.
        preds = torch.stack([gather_real_slots(m, dn_meta) for m in masks], 1)
        bce, dice = point_mask_losses(self.loss_mask, self.loss_dice, preds, targets,
                                      self.num_points, self.oversample_ratio,
                                      self.importance_sample_ratio)
        return torch.stack([bce.sum(dim=(0, 2)), dice.sum(dim=(0, 2))], 1)

    def predict(self, x: Sequence[Tensor], batch_data_samples: SampleList,
                rescale: bool = True) -> InstanceList:
        """Instances of the last decoder layer (see the class docstring).

        Returns:
            list[InstanceData]: per image ``scores``, ``labels``, ``bboxes`` (pixels
            (x1, y1, x2, y2), clipped to the image) and ``masks`` (n, H, W) bool, in the
            original image's frame with ``rescale``, else in the resized image's.
        """
        _, (all_cls, all_boxes, all_masks), _ = self(x, batch_data_samples)
        max_per_image = self.test_cfg.get('max_per_image', 100)
        results = []
        for cls, boxes, masks, sample in zip(all_cls[-1], all_boxes[-1], all_masks[-1],
                                             batch_data_samples):
            meta = sample.metainfo
            scores, index = cls.sigmoid().flatten().topk(min(max_per_image, cls.numel()))
            labels, query = index % self.num_classes, index // self.num_classes
            img_h, img_w = meta['img_shape'][:2]
            pad_h, pad_w = meta['batch_input_shape']
            # Only the kept queries' masks are upsampled: to the padded input, cropped
            # to the image, then to the original size.
            logits = F.interpolate(masks[query][None], size=(pad_h, pad_w), mode='bilinear',
                                   align_corners=False)[0, :, :img_h, :img_w]
            bboxes = bbox_cxcywh_to_xyxy(boxes[query]) * host_tensor(
                [img_w, img_h, img_w, img_h], boxes.dtype, boxes.device)
            bboxes[:, 0::2].clamp_(min=0, max=img_w)  # as mmdet's DETR heads
            bboxes[:, 1::2].clamp_(min=0, max=img_h)
            if rescale:
                ori_h, ori_w = meta['ori_shape'][:2]
                logits = F.interpolate(logits[None], size=(ori_h, ori_w), mode='bilinear',
                                       align_corners=False)[0]
                bboxes = bboxes / host_tensor(meta['scale_factor'], boxes.dtype,
                                              boxes.device).repeat(2)
            binary = logits > 0
            mask_scores = (logits.sigmoid() * binary).flatten(1).sum(1) / (
                binary.flatten(1).sum(1) + 1e-6)
            results.append(InstanceData(scores=scores * mask_scores, labels=labels,
                                        bboxes=bboxes, masks=binary))
        return results
