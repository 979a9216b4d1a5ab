"""Detects objects in images with a trained mmdn model; writes drawn PNGs and a JSON.

INPUTS are image files, folders (their images, sorted) or glob patterns. Every input is
checked (it exists and decodes) before anything is written. For each image,
``OUT_DIR/vis/<name>.png`` (``_`` appended to a name already used) shows the detections
scoring at least ``--score-thr``, and ``OUT_DIR/predictions.json`` lists them: per image
its path, size and detections
(``bbox`` (x1, y1, x2, y2) in pixels, ``label``, ``class``, ``score``). The model is
built, loaded and run by mmdet's ``DetInferencer`` (the config's test pipeline without its
``LoadAnnotations``) and draws with its visualizer; the names and the one JSON are this
tool's (``DetInferencer`` names its outputs by file name alone and writes one JSON per
image without class names).

Example::

    python tools/infer.py configs/demo/dn_dab_detr_r18_demo.py \\
        work_dirs/demo_dn_dab_detr/epoch_12.pth data/demo/val --out-dir infer_out --score-thr 0.3
"""
import argparse
import json
from pathlib import Path

import mmcv
import torch
from mmengine.config import Config, DictAction

from mmdet.apis import DetInferencer
from mmdet.utils import register_all_modules
from mmdn.engine import check_custom_imports, write_atomically
from deployment.image_inputs import expand_inputs  # tools/deployment (this script's dir is tools/)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('inputs', nargs='+', help='images, folders or glob patterns')
    parser.add_argument('--out-dir', required=True)
    parser.add_argument('--score-thr', type=float, default=0.3,
                        help='detections below this score are neither drawn nor listed')
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='key=value overrides, as tools/test.py')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    images = expand_inputs(args.inputs)
    register_all_modules()
    cfg = Config.fromfile(args.config)
    check_custom_imports(cfg, args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    pipeline = cfg.test_dataloader.dataset.pipeline
    cfg.test_dataloader.dataset.pipeline = [t for t in pipeline
                                            if t['type'] != 'LoadAnnotations']
    inferencer = DetInferencer(model=cfg, weights=args.checkpoint, device=args.device,
                               show_progress=False)
    classes = inferencer.model.dataset_meta['classes']
    out_dir = Path(args.out_dir)
    (out_dir / 'vis').mkdir(parents=True, exist_ok=True)
    records = []
    names = set()
    for path in images:
        name = path.stem
        while name in names:  # same name in two folders
            name += '_'
        names.add(name)
        result = inferencer(str(path), return_datasamples=True,
                            no_save_vis=True)['predictions'][0]
        pred = result.pred_instances
        pred = pred[pred.scores >= args.score_thr].cpu()
        image = mmcv.imread(str(path), channel_order='rgb')
        inferencer.visualizer.add_datasample(name, image, data_sample=result, draw_gt=False,
                                  pred_score_thr=args.score_thr,
                                  out_file=str(out_dir / 'vis' / f'{name}.png'))
        records.append(dict(
            image=str(path), height=image.shape[0], width=image.shape[1],
            detections=[dict(bbox=[round(v, 2) for v in box], label=label,
                             **{'class': classes[label]}, score=round(score, 4))
                        for box, label, score in zip(pred.bboxes.tolist(),
                                                     pred.labels.tolist(),
                                                     pred.scores.tolist())]))
        print(f'{path}: {len(pred)} detections')
    write_atomically(out_dir / 'predictions.json',
                     lambda tmp: Path(tmp).write_text(json.dumps(records, indent=1)))
    print(f'drawn: {out_dir / "vis"}; detections: {out_dir / "predictions.json"}')


if __name__ == '__main__':
    main()
