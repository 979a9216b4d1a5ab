"""How far two runs of a detector (e.g. onnxruntime and PyTorch) are apart."""
from typing import Sequence, Tuple

import numpy as np


def detection_difference(ours: Sequence[np.ndarray],
                         reference: Sequence[np.ndarray]) -> Tuple[float, float]:
    """The largest box and score differences between two batches of detections, in no
    particular order: near-equal scores may rank differently in two runtimes, so each
    detection is paired with the detection of the other batch, same image and label,
    that is closest to it (largest of its box and score differences), both ways.

    Args:
        ours, reference: (boxes (B, K, 4), scores (B, K), labels (B, K)), label -1 for
            padding.

    Returns:
        tuple[float, float]: the largest box difference (in the boxes' unit) and score
        difference over all pairs; ``inf`` for both when a detection has no partner of
        its label.
    """
    worst_box = worst_score = 0.
    for a, b in ((ours, reference), (reference, ours)):
        for img in range(len(a[0])):
            for box, score, label in zip(a[0][img], a[1][img], a[2][img]):
                if label < 0:
                    continue
                same = b[2][img] == label
                if not same.any():
                    return float('inf'), float('inf')
                box_diff = np.abs(b[0][img][same] - box).max(-1)
                score_diff = np.abs(b[1][img][same] - score)
                best = np.argmin(np.maximum(box_diff, score_diff))
                worst_box = max(worst_box, float(box_diff[best]))
                worst_score = max(worst_score, float(score_diff[best]))
    return worst_box, worst_score
