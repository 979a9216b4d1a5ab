"""ExportableDetector: the detector's own inference as a function of tensors."""
import pytest
import torch

from mmdet.structures import DetDataSample
from mmdn.deployment import ExportableDetector, max_detections
from .utils import batch, spread_detector

SIZES = [(160, 192), (120, 130)]  # a padded batch of two sizes


def _samples(sizes, height, width):
    return [DetDataSample(metainfo=dict(img_shape=tuple(s), pad_shape=(height, width),
                                        batch_input_shape=(height, width),
                                        scale_factor=(1., 1.))) for s in sizes]


@pytest.mark.parametrize('config', ['configs/demo/dn_dab_detr_r18_demo.py',
                                    'configs/demo/dn_dino_r18_demo.py',
                                    'configs/demo/faster_rcnn_r18_demo.py'])
def test_outputs_are_the_detectors_predictions(config):
    model = spread_detector(config)
    inputs, valid_hw = batch(SIZES, 160, 192)
    k = max_detections(model)
    with torch.no_grad():
        boxes, scores, labels = ExportableDetector(model, k)(inputs, valid_hw)
        expected = model.predict(inputs, _samples(SIZES, 160, 192), rescale=False)
    assert boxes.shape == (2, k, 4) and scores.shape == labels.shape == (2, k)
    assert labels.dtype == torch.int64
    for i, sample in enumerate(expected):
        pred = sample.pred_instances
        n = len(pred)
        assert 0 < n <= k
        # Faster R-CNN's second stage runs image by image here, batched in mmdet.
        torch.testing.assert_close(boxes[i, :n], pred.bboxes, atol=1e-4, rtol=1e-5)
        torch.testing.assert_close(scores[i, :n], pred.scores, atol=1e-6, rtol=1e-5)
        assert torch.equal(labels[i, :n], pred.labels)
        assert (labels[i, n:] == -1).all() and (scores[i, n:] == 0).all()
        h, w = SIZES[i]
        assert (boxes[i, :n, 0::2] <= w).all() and (boxes[i, :n, 1::2] <= h).all()


def test_module_is_put_in_eval_mode():
    model = spread_detector('configs/demo/dn_dab_detr_r18_demo.py').train()
    wrapper = ExportableDetector(model, 30)
    assert not wrapper.training and not model.training


def test_roi_features_are_mmdets_with_empty_levels():
    model = spread_detector('configs/demo/faster_rcnn_r18_demo.py')
    wrapper = ExportableDetector(model, 30)
    gen = torch.Generator().manual_seed(0)
    feats = [torch.randn(1, 128, 40 // 2**i, 48 // 2**i, generator=gen) for i in range(5)]
    # Sizes 20, 300 and 5 x 25: levels 0, 2 and 0 (none on levels 1 and 3), then no RoI.
    rois = torch.tensor([[0, 0, 0, 20, 20], [0, 10, 10, 310, 310], [0, 5, 5, 10, 30.]])
    extractor = model.roi_head.bbox_roi_extractor
    assert extractor.map_roi_levels(rois, 4).tolist() == [0, 2, 0]
    for boxes in (rois, rois[[1, 0, 2]], rois[:0]):
        ours = wrapper.roi_features(feats, boxes)
        assert ours.shape == (len(boxes), 128, 7, 7)
        assert torch.equal(ours, extractor(feats[:4], boxes))
