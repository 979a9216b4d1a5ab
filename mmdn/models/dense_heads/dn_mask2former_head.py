"""DN-Mask2Former's head: mask denoising (paper §4.9) in mmdet's Mask2Former head."""
from typing import Dict, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor

from mmdet.models.layers.transformer import MLP, coordinate_to_encoding
from mmdet.registry import MODELS
from mmdet.structures import SampleList
from mmdet.utils import ConfigType, InstanceList
from ..layers.dn_query_generator import build_dn_query_generator, gather_real_slots
from ..losses import point_mask_losses
from ..utils import host_tensor
from .dn_head_mixin import dn_avg_factor, name_dn_losses, zero_dn_losses
from .mask2former_head_with_hooks import Mask2FormerHeadWithHooks


@MODELS.register_module()
class DNMask2FormerHead(Mask2FormerHeadWithHooks):
    """Mask2Former's head with denoising queries whose first masked attention reads a
    shifted ground-truth mask (§4.9).

    Mask2Former keeps its decoder in the head, so the denoising part lives here (there
    is no detector hook): in training, P groups of the batch's M objects (things) enter
    the decoder before its L matching queries, W = P*M + L queries in all.

    - **Noise** (§4.9, the centre shift of §4.3): :class:`DnQueryGenerator`'s box noise
      with λ2 = 0 draws each query's shift (Δx, Δy), |Δx| <= λ1 w / 2, |Δy| <= λ1 h / 2 of
      the object's box (a centre clamped to the image). The whole mask moves by it; its
      shape and size do not change. No label flipping by default: §4.9 describes only
      "simple shifting noise to the mask" and "we only add mask denoising training", the
      wording it uses for Faster R-CNN, where it means no label denoising
      (``dn_cfg.label_noise_ratio`` sets γ; ``configs/ablations/
      dn_mask2former_r50_12e_label_noise.py`` flips with DN-DETR's 0.2).
    - **Queries**: content = label embedding + indicator (§4.5); positional query = an
      MLP of the sine embedding of the shifted mask's box (cx + Δx, cy + Δy, w, h), the
      position the noised mask stands for, as DAB-DETR embeds its anchors (Mask2Former's
      own positional queries are free embeddings and carry no position a DN query could
      share). The matching queries keep Mask2Former's learned content and positional
      queries untouched (no 'unknown' label: they have a content query of their own), so
      with Eq. 7 their outputs equal the baseline's.
    - **Masked attention**: at the first decoder layer a DN query attends where its
      shifted mask covers at least half of a cell of that layer's feature map (the mask
      area-pooled to the map, then translated by ``grid_sample`` with zero padding, cells
      mostly in padding dropped); later layers use the DN queries' own predictions, as
      Mask2Former does for its queries. A shifted mask that covers no cell by half (an
      object smaller than about a stride-32 cell: most of COCO's small objects) keeps
      its highest-coverage cell (an edge cell mostly in padding if only such cells are
      covered), so that its query attends where its object is; only a mask covering
      nothing (padding slots) falls back, as Mask2Former's empty masks do,
      to attending everywhere.
    - **Self-attention**: the generator's mask: Eq. 7 (``dn_cfg`` options such as
      ``with_attn_mask=False`` act as for the other DN models).
    - **Losses**: the head's own class (its class weights), point-sampled BCE and dice
      losses, against the object each query was noised from (no matching), on every
      output (the one before the first layer and one per layer, as the baseline's),
      summed over real slots and divided by their number averaged over ranks (one
      all-reduce a step on every rank, with or without objects). Logged as
      ``dn_loss_cls``, ``dn_loss_mask``, ``dn_loss_dice`` and ``d{i}.dn_loss_*``.
    - **Inference**: mmdet's forward, untouched.

    The denoising part enters through the hooks of :class:`Mask2FormerHeadWithHooks`
    (:meth:`initial_queries`, :meth:`decoder_self_attn_mask`,
    :meth:`first_cross_attn_mask`), given ``dn`` as their ``extra``.

    The official DN-DETR code has no Mask2Former part; Mask DINO's mask denoising
    starts from noised boxes, not masks. The design above follows §4.9's text.

    Args:
        dn_cfg (dict): the :class:`DnQueryGenerator` options (``num_classes`` and
            ``embed_dims`` come from the head); ``box_noise_scale`` defaults to
            (0.4, 0.0) and its λ2 must stay 0 (masks are shifted, never scaled);
            ``label_noise_ratio`` defaults to 0.
        *args, **kwargs: mmdet's :class:`Mask2FormerHead`'s.
    """

    def __init__(self, *args, dn_cfg: ConfigType = dict(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        dn_cfg = dict(dn_cfg)
        dn_cfg.setdefault('box_noise_scale', (0.4, 0.0))
        dn_cfg.setdefault('label_noise_ratio', 0.)
        self.dn_generator = build_dn_query_generator(
            dn_cfg, num_classes=self.num_classes, embed_dims=self.decoder_embed_dims)
        if self.dn_generator.size_noise_scale != 0:
            raise ValueError(f'dn_cfg.box_noise_scale={dn_cfg["box_noise_scale"]}: masks are '
                             'shifted, not scaled (§4.9); give (λ1, 0.0)')
        dims = self.decoder_embed_dims
        self.dn_query_pos = MLP(2 * dims, dims, dims, 2)

    def loss(self, x: Tuple[Tensor], batch_data_samples: SampleList) -> Dict[str, Tensor]:
        """The baseline's losses on the matching queries plus the denoising losses.

        Unlike mmdet's ``loss``, the ground truth is prepared before the forward, which
        needs its masks.
        """
        batch_img_metas = [s.metainfo for s in batch_data_samples]
        batch_gt_instances = self.preprocess_gt(
            [s.gt_instances for s in batch_data_samples],
            [s.get('gt_sem_seg') for s in batch_data_samples])
        dn = self.dn_queries(batch_data_samples, batch_gt_instances)
        all_cls_scores, all_mask_preds = self(x, batch_data_samples, dn)
        num_dn = dn['meta']['num_dn_queries']
        losses = self.loss_by_feat([c[:, num_dn:] for c in all_cls_scores],
                                   [m[:, num_dn:] for m in all_mask_preds],
                                   batch_gt_instances, batch_img_metas)
        losses.update(self.loss_dn([c[:, :num_dn] for c in all_cls_scores],
                                   [m[:, :num_dn] for m in all_mask_preds], dn))
        return losses

    def dn_queries(self, batch_data_samples: SampleList,
                   batch_gt_instances: InstanceList) -> Dict:
        """The denoising part of a training batch.

        Args:
            batch_data_samples (list[DetDataSample]): the batch (boxes and labels of its
                things, ``img_shape``, ``batch_input_shape``).
            batch_gt_instances (list[InstanceData]): :meth:`preprocess_gt`'s, whose
                ``masks`` (n, H, W) start with the things, in the padded frame.

        Returns:
            dict: ``query`` (bs, P*M, D), ``query_pos`` (bs, P*M, D),
            ``self_attn_mask`` (W, W) or None (the generator's), ``shift`` (bs, P,
            M, 2), each query's (Δx, Δy) in pixels (0 at padding); ``masks`` (R, H, W),
            the masks of the real slots' objects; ``meta``, the generator's ``dn_meta``
            (``valid`` (bs, M), ``labels`` (bs, M), ``slots``, ``objects``,
            ``num_targets``, ...).
        """
        gen = self.dn_generator
        noised_labels, noised_boxes, meta = gen.noised_groups(batch_data_samples)
        # Content and the self-attention mask (Eq. 7, or as dn_cfg's options say).
        query, _, self_attn_mask, meta = gen.queries(noised_labels, noised_boxes, meta,
                                                     self.num_queries)
        bs, num_groups, group_size = noised_labels.shape
        keep = meta['valid'].view(bs, 1, group_size, 1).to(noised_boxes.dtype)
        pos = coordinate_to_encoding(noised_boxes.reshape(bs, -1, 4),
                                     num_feats=self.decoder_embed_dims // 2)
        query_pos = self.dn_query_pos(pos) * keep.expand(-1, num_groups, -1, -1).reshape(
            bs, -1, 1)
        # The shift in pixels: only the centre moved (λ2 = 0), clamped to the image.
        shift = (noised_boxes[..., :2] - meta['boxes'][:, None, :, :2]) * \
            meta['image_sizes'][:, None, None, :2] * keep
        # The things' masks (the first of each image's), those of the real slots' objects.
        counts = [len(s.gt_instances) for s in batch_data_samples]
        masks = torch.cat([gt.masks[:n] for gt, n in zip(batch_gt_instances, counts)])
        return dict(query=query, query_pos=query_pos, self_attn_mask=self_attn_mask,
                    shift=shift, masks=masks.index_select(0, meta['objects']), meta=meta)

    def dn_cross_attn_mask(self, dn: Dict, size: Tuple[int, int],
                           batch_data_samples: SampleList) -> Tensor:
        """The first layer's masked-attention rows of the DN queries: True where a query
        may not attend: where its :meth:`shifted_coverage` is below 0.5, as Mask2Former
        thresholds its predicted masks, and at cells less than half inside the image;
        a query none of whose cells reaches 0.5 keeps its highest-coverage cell (inside
        the image if any there is covered at all, else at the image's edge).

        Returns:
            Tensor: (bs, P*M, h*w) bool.
        """
        pad_shape = batch_data_samples[0].metainfo['batch_input_shape']
        coverage = self.shifted_coverage(dn, size, pad_shape).flatten(2)
        inside = self.inside_cells(size, batch_data_samples, coverage.device)
        return self.blocked_cells(coverage, inside)

    @staticmethod
    def blocked_cells(coverage: Tensor, inside: Tensor) -> Tensor:
        """:meth:`dn_cross_attn_mask`'s rule on given coverages.

        Args:
            coverage (Tensor): (bs, Q, h*w), :meth:`shifted_coverage` flattened.
            inside (Tensor): (bs, 1, h*w) bool, :meth:`inside_cells`.

        Returns:
            Tensor: (bs, Q, h*w) bool, True where a query may not attend.
        """
        blocked = (coverage < 0.5) | ~inside
        # A mask covering no cell by half (an object smaller than about a cell) keeps its
        # highest-coverage cell, so that its query still attends where its object is:
        # among the covered cells inside the image if there are any, else among the
        # edge cells mostly in padding (a small object at the image's border); only a
        # mask with no coverage at all (a padding slot) is left to attend everywhere.
        score = coverage + (inside & (coverage > 0)).to(coverage.dtype)
        best = torch.zeros_like(blocked).scatter_(-1, score.argmax(-1, keepdim=True), True)
        return blocked & ~(best & (coverage.amax(-1, keepdim=True) > 0))

    @staticmethod
    def inside_cells(size: Tuple[int, int], batch_data_samples: SampleList,
                     device: torch.device) -> Tensor:
        """The cells of an (h, w) map of the padded batch that lie at least half inside
        their image.

        Returns:
            Tensor: (bs, 1, h*w) bool.
        """
        pad_h, pad_w = batch_data_samples[0].metainfo['batch_input_shape']
        inside = torch.zeros(len(batch_data_samples), 1, pad_h, pad_w, device=device)
        for b, sample in enumerate(batch_data_samples):
            img_h, img_w = sample.metainfo['img_shape'][:2]
            inside[b, :, :img_h, :img_w] = 1
        return F.adaptive_avg_pool2d(inside, size).flatten(1)[:, None] >= 0.5

    @staticmethod
    def shifted_coverage(dn: Dict, size: Tuple[int, int], pad_shape: Tuple[int, int]
                         ) -> Tensor:
        """Each DN query's shifted mask on an (h, w) map of the padded image.

        Each object's mask is area-pooled to the map (the fraction of each cell it
        covers) and translated by its query's (Δx, Δy) with bilinear ``grid_sample`` and
        zero padding: a shift by whole cells moves the values exactly, any shift moves
        their centroid by exactly (Δx, Δy) while none leaves the map.

        Args:
            dn (dict): :meth:`dn_queries`'s (``masks``, ``shift``, ``meta``'s ``slots``).
            size (tuple[int, int]): (h, w) of the map.
            pad_shape (tuple[int, int]): (H, W) of the padded image the map covers.

        Returns:
            Tensor: (bs, P*M, h, w) in [0, 1]; zero at padding slots.
        """
        shift = dn['shift']
        bs, num_groups, group_size, _ = shift.shape
        coverage = F.adaptive_avg_pool2d(dn['masks'][None].to(shift.dtype), size)[0]
        grid = coverage.new_zeros(bs * group_size, *size).index_copy_(
            0, dn['meta']['slots'], coverage).view(bs, 1, group_size, *size)
        grid = grid.expand(-1, num_groups, -1, -1, -1).reshape(-1, 1, *size)
        # out(p) = in(p - Δ): an affine grid translated by -Δ in [-1, 1] units.
        theta = torch.zeros(grid.size(0), 2, 3, dtype=shift.dtype, device=shift.device)
        theta[:, 0, 0] = theta[:, 1, 1] = 1
        theta[:, :, 2] = -2 * shift.reshape(-1, 2) / host_tensor(pad_shape[::-1], shift.dtype,
                                                                  shift.device)
        sampling = F.affine_grid(theta, list(grid.shape), align_corners=False)
        return F.grid_sample(grid, sampling, mode='bilinear', padding_mode='zeros',
                             align_corners=False).view(bs, num_groups * group_size, *size)

    def initial_queries(self, batch_size: int, dn: Optional[Dict]) -> Tuple[Tensor, Tensor]:
        """The denoising part's content and positional queries (``dn``) before the
        learnt ones, (bs, W, D) each."""
        query, query_pos = super().initial_queries(batch_size, dn)
        if dn is None:
            return query, query_pos
        return (torch.cat([dn['query'], query], 1), torch.cat([dn['query_pos'], query_pos], 1))

    def decoder_self_attn_mask(self, dn: Optional[Dict]) -> Optional[Tensor]:
        """The generator's (Eq. 7), with a denoising part."""
        return None if dn is None else dn['self_attn_mask']

    def first_cross_attn_mask(self, attn_mask: Tensor, size: torch.Size,
                              batch_data_samples: SampleList, dn: Optional[Dict]) -> Tensor:
        """The denoising queries' rows from :meth:`dn_cross_attn_mask`."""
        if dn is None or dn['meta']['num_dn_queries'] == 0:
            return attn_mask
        bs, num_dn = len(batch_data_samples), dn['meta']['num_dn_queries']
        attn_mask = attn_mask.view(bs, self.num_heads, *attn_mask.shape[1:])
        attn_mask[:, :, :num_dn] = self.dn_cross_attn_mask(dn, size,
                                                           batch_data_samples)[:, None]
        return attn_mask.flatten(0, 1)

    def loss_dn(self, cls_scores: Sequence[Tensor], mask_preds: Sequence[Tensor],
                dn: Dict) -> Dict[str, Tensor]:
        """Reconstruction losses of the denoising queries on every output.

        Args:
            cls_scores (sequence[Tensor]): per output, (bs, P*M, C + 1) logits.
            mask_preds (sequence[Tensor]): per output, (bs, P*M, h, w) mask logits (views
                into the outputs: only the real slots' masks are copied).
            dn (dict): :meth:`dn_queries`'s.

        Returns:
            dict: per output ``dn_loss_cls`` (the class loss with its class weights),
            ``dn_loss_mask`` (BCE at ``num_points`` points a query, chosen as mmdet's
            loss chooses them: by uncertainty with randomness) and ``dn_loss_dice``,
            each summed over the real slots of all groups and divided by their number
            averaged over ranks (at least 1). Padded slots are left out.
        """
        meta = dn['meta']
        avg_factor = dn_avg_factor(meta, cls_scores[0])
        if meta['num_dn_queries'] == 0:  # no image has objects
            losses = zero_dn_losses([*cls_scores, *mask_preds], len(cls_scores), 3)
        else:
            # (R, outputs, P, C + 1)
            cls = torch.stack([gather_real_slots(c, meta) for c in cls_scores], 1)
            shape = cls.shape[:3]
            labels = meta['labels'].flatten().index_select(0, meta['slots'])
            loss_cls = self.loss_cls(cls.flatten(0, 2), labels[:, None].expand(
                -1, shape[1] * shape[2]).flatten(), reduction_override='none').view(shape)
            # Only the real slots' masks are copied: (R, outputs, P, h, w).
            masks = torch.stack([gather_real_slots(m, meta) for m in mask_preds], 1)
            loss_mask, loss_dice = point_mask_losses(
                self.loss_mask, self.loss_dice, masks, dn['masks'], self.num_points,
                self.oversample_ratio, self.importance_sample_ratio)
            losses = torch.stack([loss_cls, loss_mask, loss_dice], -1)
            losses = losses.sum(dim=(0, 2)) / avg_factor  # (num_outputs, 3)
        return name_dn_losses(losses, ('cls', 'mask', 'dice'))
