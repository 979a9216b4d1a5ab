"""Known-label detection with DN-DAB-DETR (paper §5.7.1 and its Table 4)."""
from typing import Dict, List, Optional, Tuple

import torch
import torch.nn.functional as F
from mmengine.structures import InstanceData
from torch import Tensor

from mmdet.registry import MODELS
from mmdet.structures import DetDataSample, OptSampleList, SampleList
from .dn_dab_detr import DNDABDETR


@MODELS.register_module()
class KnownLabelDNDABDETR(DNDABDETR):
    """DN-DAB-DETR that is given each image's class labels (no boxes) and finds their boxes.

    For every class c present in an image the decoder runs the matching queries with the
    label part of their content set to c's label embedding and the indicator 1 (a known
    label, §5.7.1) instead of the 'unknown' class: one decoder item per (image, class)
    pair, all of an image's items sharing its encoder memory. In training each item is
    Hungarian-matched to the image's objects of class c only (and denoises them, if the
    generator has groups). At inference each item's detections are restricted to class c
    and an image's items are merged, the best ``max_per_img`` kept ("we concatenate
    outputs of all classes"). The labels are the image's ground-truth classes, so the test
    pipeline loads the annotations. Fine-tuned from a DN-DAB-DETR checkpoint
    (``configs/known_labels/``).

    A training batch without objects has no item; it runs one placeholder item (the
    first image, class 0, no objects) whose losses are multiplied by 0, so that its rank
    makes the same collectives and reaches the same parameters as the others.
    """

    @staticmethod
    def known_label_items(batch_data_samples: SampleList) -> Tuple[SampleList, Tensor]:
        """One sample per (image, class present in it), with that class's objects and
        metainfo ``known_label``; and the image index of each, (N,)."""
        items: List[DetDataSample] = []
        index: List[int] = []
        for i, sample in enumerate(batch_data_samples):
            if 'gt_instances' not in sample:
                raise ValueError(
                    f'image {sample.metainfo.get("img_path")} has no gt_instances: known '
                    'labels come from the annotations (LoadAnnotations in the pipeline)')
            gt = sample.gt_instances
            for label in gt.labels.unique().tolist():
                item = DetDataSample(metainfo=dict(sample.metainfo, known_label=label))
                item.gt_instances = gt[gt.labels == label]
                items.append(item)
                index.append(i)
        return items, torch.tensor(index, dtype=torch.long)

    def training_items(self, batch_data_samples: SampleList) -> Tuple[SampleList, Tensor]:
        """:meth:`known_label_items`, or the placeholder item of a batch without objects
        (metainfo ``placeholder=True``)."""
        items, index = self.known_label_items(batch_data_samples)
        if items:
            return items, index
        placeholder = DetDataSample(
            metainfo=dict(batch_data_samples[0].metainfo, known_label=0, placeholder=True))
        placeholder.gt_instances = batch_data_samples[0].gt_instances
        return [placeholder], torch.zeros(1, dtype=torch.long)

    def decoder_items(self, batch_data_samples: SampleList) -> Tuple[SampleList, Tensor]:
        """The decoder's items: :meth:`training_items` in training,
        :meth:`known_label_items` otherwise."""
        if self.training:
            return self.training_items(batch_data_samples)
        return self.known_label_items(batch_data_samples)

    def matching_label_content(self, batch_data_samples: OptSampleList,
                               num_queries: int) -> Tensor:
        """Each item's known label with indicator 1, (N, 1, D)."""
        table = self.dn_query_generator.content_table()
        labels = torch.tensor([s.known_label for s in batch_data_samples],
                              device=table.device)
        return table[labels][:, None]

    def forward_transformer(self, img_feats: Tuple[Tensor],
                            batch_data_samples: OptSampleList = None,
                            items: Optional[Tuple[SampleList, Tensor]] = None) -> Dict:
        """DN-DAB-DETR's transformer pass with the decoder on the (image, class) items.

        The encoder runs once per image; each item's decoder reads its image's
        ``memory``, ``memory_mask`` and ``memory_pos``, gathered by the image index.

        Args:
            img_feats (tuple[Tensor]): the neck's features of the images.
            batch_data_samples (list[DetDataSample]): the images' samples.
            items (tuple, optional): the items and the image index of each (N,), from
                :meth:`decoder_items` when not given.

        Returns:
            dict: the head inputs of the N items.
        """
        items, index = items if items is not None else self.decoder_items(batch_data_samples)
        encoder_inputs_dict, decoder_inputs_dict = self.pre_transformer(
            img_feats, batch_data_samples)
        memory = self.forward_encoder(**encoder_inputs_dict)['memory']
        index = index.to(memory.device)
        query_inputs_dict, head_inputs_dict = self.pre_decoder(memory[index],
                                                               batch_data_samples=items)
        memory_mask = decoder_inputs_dict['memory_mask']
        head_inputs_dict.update(self.forward_decoder(
            **query_inputs_dict, memory_pos=decoder_inputs_dict['memory_pos'][index],
            memory_mask=None if memory_mask is None else memory_mask[index]))
        return head_inputs_dict

    def loss(self, batch_inputs: Tensor, batch_data_samples: SampleList) -> dict:
        """The losses of every (image, class) item against that class's objects (zeros,
        in the graph, for a batch without objects)."""
        items, index = self.training_items(batch_data_samples)
        head_inputs_dict = self.forward_transformer(self.extract_feat(batch_inputs),
                                                    batch_data_samples, (items, index))
        losses = self.bbox_head.loss(**head_inputs_dict, batch_data_samples=items)
        if items[0].metainfo.get('placeholder', False):
            losses = {key: value * 0 for key, value in losses.items()}
        return losses

    def predict(self, batch_inputs: Tensor, batch_data_samples: SampleList,
                rescale: bool = True) -> SampleList:
        """Each image's detections of its known labels, at most ``max_per_img``."""
        items, index = self.known_label_items(batch_data_samples)
        results = [InstanceData(bboxes=batch_inputs.new_zeros(0, 4),
                                scores=batch_inputs.new_zeros(0),
                                labels=torch.zeros(0, dtype=torch.long,
                                                   device=batch_inputs.device))
                   for _ in batch_data_samples]
        if items:
            head_inputs_dict = self.forward_transformer(self.extract_feat(batch_inputs),
                                                        batch_data_samples, (items, index))
            cls_scores, bbox_preds = self.bbox_head(head_inputs_dict['hidden_states'][-1:],
                                                    head_inputs_dict['references'][-1:])
            labels = torch.tensor([s.known_label for s in items], device=cls_scores.device)
            other = F.one_hot(labels, cls_scores.size(-1)).logical_not()  # (N, C)
            cls_scores = cls_scores.masked_fill(other[None, :, None], float('-inf'))
            item_results = self.bbox_head.predict_by_feat(
                cls_scores, bbox_preds, [s.metainfo for s in items], rescale=rescale)
            # Beyond L per item, top-k would reach the other classes' zero scores.
            item_results = [r[r.labels == s.known_label] for r, s in zip(item_results, items)]
            max_per_img = self.test_cfg.get('max_per_img', cls_scores.size(2))
            for i in index.unique().tolist():
                merged = InstanceData.cat([r for r, j in zip(item_results, index) if j == i])
                order = merged.scores.argsort(descending=True)[:max_per_img]
                results[i] = merged[order]
        return self.add_pred_to_datasample(batch_data_samples, results)
