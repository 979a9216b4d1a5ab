"""The images a command line names, for ``tools/infer.py`` and
``tools/deployment/onnx_infer.py`` (numpy-free, torch-free: opencv only)."""
import glob
from pathlib import Path
from typing import List

import cv2

IMAGE_SUFFIXES = {'.jpg', '.jpeg', '.png', '.bmp', '.webp', '.tif', '.tiff'}


def expand_inputs(inputs: List[str]) -> List[Path]:
    """The images named by files, folders and glob patterns, in order, each once.

    Raises:
        SystemExit: an input that matches no image or an image that does not decode,
            named.
    """
    images: List[Path] = []
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        elif path.is_file():
            found = [path]
        else:
            found = [Path(p) for p in sorted(glob.glob(item))
                     if Path(p).suffix.lower() in IMAGE_SUFFIXES]
        if not found:
            raise SystemExit(f'{item}: no such image, folder of images or matching pattern')
        images += [p for p in found if p not in images]
    for path in images:
        if cv2.imread(str(path), cv2.IMREAD_COLOR) is None:
            raise SystemExit(f'{path} is not a readable image')
    return images
