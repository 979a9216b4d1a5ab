"""detection_difference: order-free pairing of two batches of detections."""
import numpy as np

from mmdn.deployment import detection_difference


def _dets(boxes, scores, labels):
    return (np.array([boxes], np.float32), np.array([scores], np.float32),
            np.array([labels], np.int64))


def test_order_does_not_matter_and_values_do():
    boxes = [[0, 0, 10, 10], [5, 5, 20, 20], [0, 0, 0, 0]]
    a = _dets(boxes, [0.9, 0.5, 0.], [1, 2, -1])
    b = _dets(boxes[1::-1] + [[0, 0, 0, 0]], [0.5, 0.9, 0.], [2, 1, -1])
    assert detection_difference(a, b) == (0., 0.)
    c = _dets([[0, 0, 10, 10.5], [5, 5, 20, 20], [0, 0, 0, 0]], [0.9, 0.52, 0.], [1, 2, -1])
    box, score = detection_difference(a, c)
    assert np.isclose(box, 0.5) and np.isclose(score, 0.02)


def test_a_detection_without_partner_of_its_label_is_infinitely_far():
    a = _dets([[0, 0, 10, 10]], [0.9], [1])
    assert detection_difference(a, _dets([[0, 0, 10, 10]], [0.9], [3])) == (
        float('inf'), float('inf'))
    assert detection_difference(a, _dets([[0, 0, 10, 10]], [0.9], [-1]))[0] == float('inf')
