"""Detects objects with an exported model in onnxruntime: no torch, no mmdet.

Needs numpy, opencv and onnxruntime only (and ``image_inputs.py``, beside it). Reads the
pre-processing and class names that ``tools/deployment/export_onnx.py`` stored in the
model (the config's test ``Resize``, mean, std, channel order, size divisor) and writes
what ``tools/infer.py`` writes: ``OUT_DIR/vis/<name>.png`` with the detections scoring at
least ``--score-thr`` drawn, and ``OUT_DIR/predictions.json`` (per image its path, size
and detections: ``bbox`` (x1, y1, x2, y2) in the image's pixels, ``label``, ``class``,
``score``). Every input is checked (it exists and decodes) before anything is written.

A model exported with a fixed input size takes images that fit it after the resize
(they are padded to it); one exported with ``--dynamic`` takes any size. Images are run
``batch`` at a time, the batch the model was exported with.

Example::

    python tools/deployment/onnx_infer.py model.onnx data/demo/val --out-dir onnx_out
"""
import argparse
import json
import os
import tempfile
from pathlib import Path
from typing import Dict, List, Tuple

import cv2
import numpy as np
import onnxruntime as ort

from image_inputs import expand_inputs  # beside this script


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('model', help='an .onnx file written by export_onnx.py')
    parser.add_argument('inputs', nargs='+', help='images, folders or glob patterns')
    parser.add_argument('--out-dir', required=True)
    parser.add_argument('--score-thr', type=float, default=0.3,
                        help='detections below this score are neither drawn nor listed')
    return parser.parse_args()


def resize(image: np.ndarray, spec: Dict) -> Tuple[np.ndarray, Tuple[float, float]]:
    """mmdet's ``Resize`` of the test pipeline (bilinear, as mmcv's ``imresize``):
    ``scale`` (w, h) with or without ``keep_ratio``, or ``scale_factor``. Returns the
    image and its (w, h) scale factors."""
    h, w = image.shape[:2]
    if spec.get('scale'):
        scale_w, scale_h = spec['scale']
        if spec.get('keep_ratio', False):
            factor = min(max(scale_w, scale_h) / max(h, w), min(scale_w, scale_h) / min(h, w))
            size = int(w * factor + 0.5), int(h * factor + 0.5)
        else:
            size = scale_w, scale_h
    else:
        factor = spec.get('scale_factor', 1.0)
        fw, fh = (factor, factor) if np.isscalar(factor) else factor
        size = int(w * fw + 0.5), int(h * fh + 0.5)
    if size != (w, h):
        image = cv2.resize(image, size, interpolation=cv2.INTER_LINEAR)
    return image, (size[0] / w, size[1] / h)


class OnnxDetector:
    """An exported model with its stored pre-processing."""

    def __init__(self, model: str) -> None:
        self.session = ort.InferenceSession(model, providers=['CPUExecutionProvider'])
        meta = self.session.get_modelmeta().custom_metadata_map
        if 'mmdn_preprocess' not in meta:
            raise SystemExit(f'{model} has no pre-processing metadata: export it with '
                             'tools/deployment/export_onnx.py')
        self.pre = json.loads(meta['mmdn_preprocess'])
        self.classes = json.loads(meta['mmdn_classes'])
        shape = self.session.get_inputs()[0].shape  # [B, 3, H, W], H and W str if dynamic
        self.batch = shape[0]
        self.fixed_hw = tuple(shape[2:]) if all(isinstance(s, int) for s in shape[2:]) else None

    def __call__(self, images: List[np.ndarray]) -> List[Tuple[np.ndarray, ...]]:
        """Detections (boxes in each image's pixels, scores, labels) of BGR images."""
        results = []
        for start in range(0, len(images), self.batch):
            chunk = images[start:start + self.batch]
            inputs, valid_hw, factors = self.preprocess(chunk)
            boxes, scores, labels = self.session.run(
                None, dict(inputs=inputs, valid_hw=valid_hw))
            for i, (fw, fh) in enumerate(factors):
                keep = labels[i] >= 0
                results.append((boxes[i][keep] / np.array([fw, fh, fw, fh], np.float32),
                                scores[i][keep], labels[i][keep]))
        return results

    def preprocess(self, images: List[np.ndarray]
                   ) -> Tuple[np.ndarray, np.ndarray, List[Tuple[float, float]]]:
        """The data preprocessor's batch: resized, channel-ordered, normalised images,
        padded to the model's fixed size (or the batch's largest, rounded up to the size
        divisor); a short last batch is filled with copies of its first image."""
        pre = self.pre
        mean = np.array(pre['mean'], np.float32)
        std = np.array(pre['std'], np.float32)
        resized, factors = [], []
        for image in images:
            image, factor = resize(image, pre['resize'])
            if pre['bgr_to_rgb']:
                image = image[..., ::-1]
            resized.append((image.astype(np.float32) - mean) / std)
            factors.append(factor)
        sizes = np.array([r.shape[:2] for r in resized], np.int64)
        if self.fixed_hw:
            if (sizes > np.array(self.fixed_hw)).any():
                raise SystemExit(f'an image is {sizes.max(0).tolist()} after the resize, '
                                 f'larger than the model input {list(self.fixed_hw)}: '
                                 'export with --dynamic or a larger --shape')
            height, width = self.fixed_hw
        else:
            div = pre['pad_size_divisor']
            height, width = (-(-sizes.max(0) // div) * div).tolist()
        batch = np.full((self.batch, height, width, 3), pre['pad_value'], np.float32)
        for i, image in enumerate(resized + resized[:1] * (self.batch - len(resized))):
            batch[i, :image.shape[0], :image.shape[1]] = image
        valid = np.concatenate([sizes, sizes[:1].repeat(self.batch - len(sizes), 0)])
        return np.ascontiguousarray(batch.transpose(0, 3, 1, 2)), valid, factors


def draw(image: np.ndarray, boxes: np.ndarray, labels: np.ndarray, scores: np.ndarray,
         classes: List[str]) -> np.ndarray:
    """The detections drawn on a copy of a BGR image: a box and 'class score' each."""
    out = image.copy()
    for (x1, y1, x2, y2), label, score in zip(boxes.round().astype(int), labels, scores):
        colour = tuple(int(c) for c in np.random.default_rng(int(label)).integers(64, 256, 3))
        cv2.rectangle(out, (x1, y1), (x2, y2), colour, 2)
        cv2.putText(out, f'{classes[label]} {score:.2f}', (x1, max(y1 - 3, 10)),
                    cv2.FONT_HERSHEY_SIMPLEX, 0.4, colour, 1, cv2.LINE_AA)
    return out


def write_atomically(path: Path, data: bytes) -> None:
    """Writes ``data`` to a temporary file beside ``path``, then renames it (mmdn's
    ``write_atomically``, which this torch-free tool cannot import)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix='.tmp')
    try:
        with os.fdopen(fd, 'wb') as f:
            f.write(data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def main() -> None:
    args = parse_args()
    if not Path(args.model).is_file():
        raise SystemExit(f'{args.model}: no such model file')
    paths = expand_inputs(args.inputs)
    detector = OnnxDetector(args.model)
    out_dir = Path(args.out_dir)
    (out_dir / 'vis').mkdir(parents=True, exist_ok=True)
    records, names = [], set()
    for start in range(0, len(paths), detector.batch):
        chunk = paths[start:start + detector.batch]
        images = [cv2.imread(str(path), cv2.IMREAD_COLOR) for path in chunk]
        for path, image, (boxes, scores, labels) in zip(chunk, images, detector(images)):
            name = path.stem
            while name in names:  # same name in two folders
                name += '_'
            names.add(name)
            keep = scores >= args.score_thr
            boxes, scores, labels = boxes[keep], scores[keep], labels[keep]
            png = cv2.imencode('.png', draw(image, boxes, labels, scores, detector.classes))[1]
            write_atomically(out_dir / 'vis' / f'{name}.png', png.tobytes())
            records.append(dict(
                image=str(path), height=image.shape[0], width=image.shape[1],
                detections=[dict(bbox=[round(float(v), 2) for v in box], label=int(label),
                                 **{'class': detector.classes[label]},
                                 score=round(float(score), 4))
                            for box, label, score in zip(boxes, labels, scores)]))
            print(f'{path}: {len(scores)} detections')
    write_atomically(out_dir / 'predictions.json', json.dumps(records, indent=1).encode())
    print(f'drawn: {out_dir / "vis"}; detections: {out_dir / "predictions.json"}')


if __name__ == '__main__':
    main()
