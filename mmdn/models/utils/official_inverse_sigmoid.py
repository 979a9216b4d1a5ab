"""The official inverse sigmoid inside mmdet's decoder and head loops.

The official DN-DETR (and DAB-DETR) clamps x and 1 - x at 1e-3 wherever it takes an
inverse sigmoid (``util.misc.inverse_sigmoid``); mmdet's ``inverse_sigmoid`` defaults
to 1e-5, and its DAB-DETR decoder (reference update) and Deformable DETR head (box
prediction) call it so. The two differ for coordinates within 1e-3 of the image border,
e.g. every denoising query whose noised box was clamped to it: the training-parity tool
measured the DAB decoder's reference update moving the next layer's anchor by 1e-3 in
logit space there, and the head's clamp (1e-3 in both codes) then passing or stopping
the gradient the other way round (DN-DAB-DETR R50: 3.7e-4 relative on the box branch's
gradient; within rounding, 6.5e-7 per loss term, with this).
"""
import contextlib
import functools
from types import ModuleType
from typing import Iterator

#: The official codes' clamp of x and 1 - x.
OFFICIAL_EPS = 1e-3


@contextlib.contextmanager
def official_inverse_sigmoid(*modules: ModuleType) -> Iterator[None]:
    """For the block, the ``inverse_sigmoid`` that each of ``modules`` (mmdet modules
    that import it by name) calls defaults to :data:`OFFICIAL_EPS`; a call that passes
    ``eps`` keeps it."""
    saved = [module.inverse_sigmoid for module in modules]
    for module, function in zip(modules, saved):
        module.inverse_sigmoid = functools.partial(function, eps=OFFICIAL_EPS)
    try:
        yield
    finally:
        for module, function in zip(modules, saved):
            module.inverse_sigmoid = function
