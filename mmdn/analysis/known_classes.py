"""Class splits for known-object detection (paper §5.7.1): which classes are given."""
import copy
from typing import Dict, List, Sequence

import torch


def known_class_split(num_classes: int, known_ratio: float, seed: int = 0) -> List[int]:
    """A random split of the classes, as the paper's: the sorted label indices of the
    ``round(known_ratio * num_classes)`` known classes, drawn by a seeded permutation.

    Raises:
        ValueError: a ratio that leaves no known or no unknown class.
    """
    num_known = round(known_ratio * num_classes)
    if not 0 < num_known < num_classes:
        raise ValueError(f'known_ratio {known_ratio} of {num_classes} classes leaves no '
                         'known or no unknown class')
    order = torch.randperm(num_classes, generator=torch.Generator().manual_seed(seed))
    return sorted(order[:num_known].tolist())


def unknown_class_annotations(coco: Dict, class_names: Sequence[str],
                              known_classes: Sequence[int]) -> Dict:
    """A COCO annotation dict with the annotations of the known classes removed.

    Images and categories are all kept, so a dataset built on it keeps its label
    indices; COCO evaluation on it scores the unknown classes only (a category without
    ground truth is left out of the mean).

    Args:
        coco (dict): COCO-format annotations.
        class_names (Sequence[str]): the dataset's classes, in label order.
        known_classes (Sequence[int]): label indices of the known classes.

    Raises:
        KeyError: a known class missing from the file's categories, named.
    """
    ids = {c['name']: c['id'] for c in coco['categories']}
    known_ids = set()
    for label in known_classes:
        name = class_names[label]
        if name not in ids:
            raise KeyError(f'known class {label} ({name!r}) is not among the categories')
        known_ids.add(ids[name])
    out = copy.copy(coco)
    out['annotations'] = [a for a in coco['annotations'] if a['category_id'] not in known_ids]
    return out
