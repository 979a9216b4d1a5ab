"""Known-object detection with DN-DAB-DETR (paper §5.7.1 and its Table 3)."""
from typing import List, Sequence, Tuple

import torch
from torch import Tensor

from mmdet.registry import MODELS
from mmdet.structures import DetDataSample, SampleList
from .dn_dab_detr import DNDABDETR


@MODELS.register_module()
class KnownObjectDNDABDETR(DNDABDETR):
    """DN-DAB-DETR that is given the objects of known classes and detects the others.

    The classes are split into known and unknown. In training, each image's objects of
    known classes enter the denoising part only (P noised groups, reconstructed as usual)
    and the matching part is matched to the objects of unknown classes only. With the
    generator's ``matching_sees_dn`` (the configs set it) the matching queries attend to
    the denoising part, so that they can use the known objects; the groups stay apart.

    At inference, with ``test_cfg.with_known_objects`` (the paper's "AP (Cond)"), each
    image's known-class ground truth enters the decoder noise-free as P groups, the layout
    of training; the test pipeline must load the annotations before ``Resize`` so that
    the boxes are in the input's frame. Without it, inference is DN-DAB-DETR's. Detections
    of known classes are dropped either way: the task is the unknown ones.

    Args:
        known_classes (Sequence[int]): label indices of the known classes, at least one
            and not all.
        *args, **kwargs: :class:`DNDABDETR`'s.
    """

    def __init__(self, *args, known_classes: Sequence[int], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        num_classes = self.bbox_head.num_classes
        known = sorted(set(known_classes))
        if not known or len(known) >= num_classes or known[0] < 0 \
                or known[-1] >= num_classes or len(known) != len(known_classes):
            raise ValueError('model.known_classes must be distinct label indices in '
                             f'[0, {num_classes}), at least one and not all; got '
                             f'{list(known_classes)}')
        mask = torch.zeros(num_classes, dtype=torch.bool)
        mask[known] = True
        self.register_buffer('known_class_mask', mask, persistent=False)

    @property
    def dn_at_inference(self) -> bool:
        """``test_cfg.with_known_objects``: the known objects are given at inference."""
        return bool((self.test_cfg or {}).get('with_known_objects', False))

    def split_known(self, batch_data_samples: SampleList) -> Tuple[SampleList, SampleList]:
        """Two views of the batch: its objects of known classes, and the others.

        Raises:
            ValueError: a label outside [0, num_classes), naming the image.
        """
        known: List[DetDataSample] = []
        unknown: List[DetDataSample] = []
        num_classes = self.known_class_mask.numel()
        for sample in batch_data_samples:
            if 'gt_instances' not in sample:
                raise ValueError(
                    f'image {sample.metainfo.get("img_path")} has no gt_instances: known '
                    'objects come from the annotations (LoadAnnotations in the pipeline)')
            gt = sample.gt_instances
            labels: Tensor = gt.labels
            if len(labels) and (labels.min() < 0 or labels.max() >= num_classes):
                raise ValueError(f'image {sample.metainfo.get("img_path")}: labels '
                                 f'{labels.tolist()} outside [0, {num_classes})')
            is_known = self.known_class_mask[labels]
            for views, keep in ((known, is_known), (unknown, ~is_known)):
                view = DetDataSample(metainfo=sample.metainfo)
                view.gt_instances = gt[keep]
                views.append(view)
        return known, unknown

    def loss(self, batch_inputs: Tensor, batch_data_samples: SampleList) -> dict:
        """Known objects to the denoising part, unknown ones to the matching part."""
        known, unknown = self.split_known(batch_data_samples)
        head_inputs_dict = self.forward_transformer(self.extract_feat(batch_inputs), known)
        return self.bbox_head.loss(**head_inputs_dict, batch_data_samples=unknown)

    def predict(self, batch_inputs: Tensor, batch_data_samples: SampleList,
                rescale: bool = True) -> SampleList:
        """Detections of unknown classes, given the known objects if
        :attr:`dn_at_inference`."""
        samples = batch_data_samples
        if self.dn_at_inference:
            samples = self.split_known(batch_data_samples)[0]
        head_inputs_dict = self.forward_transformer(self.extract_feat(batch_inputs), samples)
        results = self.bbox_head.predict(**head_inputs_dict, rescale=rescale,
                                         batch_data_samples=batch_data_samples)
        results = [r[~self.known_class_mask[r.labels]] for r in results]
        return self.add_pred_to_datasample(batch_data_samples, results)
