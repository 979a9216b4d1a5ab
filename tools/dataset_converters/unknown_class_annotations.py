"""Writes the annotations of a known-object detection split's unknown classes (§5.7.1).

Reads ``model.known_classes`` from CONFIG (a known-object detection config) and the
dataset's class names, and writes ANN_FILE without the annotations of the known
classes to OUT_FILE; images and categories are kept, so label indices do not change.
The result is the ground truth that known-object configs evaluate on, and what the
baseline trained on the unknown classes only trains on.

Example (the demo's 0.5 / 0.5 split)::

    python tools/dataset_converters/unknown_class_annotations.py \\
        configs/demo/known_objects/dn_dab_detr_r18_demo_known0.5.py \\
        data/demo/annotations/val.json data/demo/annotations/val_known0.5_unknown.json
"""
import argparse
import json
from pathlib import Path

from mmengine.config import Config

from mmdet.registry import DATASETS
from mmdn.analysis import unknown_class_annotations
from mmdn.engine import write_atomically


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('config', help='a config with model.known_classes')
    parser.add_argument('ann_file', help='COCO-format annotations')
    parser.add_argument('out_file', help='where to write the unknown classes\' annotations')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    cfg = Config.fromfile(args.config)
    known = cfg.model.get('known_classes')
    if known is None:
        raise SystemExit(f'{args.config} has no model.known_classes (not a known-object '
                         'detection config)')
    dataset = cfg.get('train_dataloader', {}).get('dataset', {})
    class_names = (dataset.get('metainfo') or {}).get('classes') or \
        DATASETS.get(dataset.get('type', 'CocoDataset')).METAINFO['classes']
    src, out = Path(args.ann_file), Path(args.out_file)
    if out.resolve() == src.resolve():
        raise SystemExit(f'{out} is the input file; write elsewhere')
    try:
        coco = json.loads(src.read_text())
    except FileNotFoundError:
        raise SystemExit(f'{src} does not exist')
    except json.JSONDecodeError as err:
        raise SystemExit(f'{src} is not valid JSON: {err}')
    try:
        result = unknown_class_annotations(coco, class_names, known)
    except KeyError as err:
        raise SystemExit(f'{src}: {err.args[0]}')
    write_atomically(out, lambda tmp: Path(tmp).write_text(json.dumps(result)))
    print(f'{out}: {len(result["annotations"])} of {len(coco["annotations"])} annotations '
          f'kept (unknown classes {[n for i, n in enumerate(class_names) if i not in known]})')


if __name__ == '__main__':
    main()
