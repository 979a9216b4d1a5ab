"""tools/dataset_converters/unknown_class_annotations.py on a small COCO file."""
import json

from ..conftest import run_script

CONFIG = 'configs/demo/known_objects/dn_dab_detr_r18_demo_known0.5.py'  # known: 2, 3, 5
CLASSES = ('ellipse', 'rectangle', 'triangle', 'diamond', 'cross', 'star')


def _coco(path):
    coco = dict(images=[dict(id=1, file_name='a.png', width=10, height=10)],
                categories=[dict(id=i + 1, name=n) for i, n in enumerate(CLASSES)],
                annotations=[dict(id=i, image_id=1, category_id=c, bbox=[0, 0, 2, 2],
                                  area=4, iscrowd=0) for i, c in enumerate([1, 3, 4, 5, 6])])
    path.write_text(json.dumps(coco))
    return path


def test_writes_the_unknown_classes(tmp_path):
    src, out = _coco(tmp_path / 'val.json'), tmp_path / 'sub' / 'val_unknown.json'
    proc = run_script(['tools/dataset_converters/unknown_class_annotations.py', CONFIG, str(src),
                       str(out)])
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert '2 of 5 annotations kept' in proc.stdout
    result = json.loads(out.read_text())
    assert [a['category_id'] for a in result['annotations']] == [1, 5]  # ellipse, cross
    assert len(result['categories']) == 6
    assert list(out.parent.iterdir()) == [out]  # no temporary file left


def test_bad_input_is_named_and_nothing_is_written(tmp_path):
    src = _coco(tmp_path / 'val.json')
    out = tmp_path / 'out.json'
    cases = [
        ([CONFIG, str(src), str(src)], 'is the input file'),
        ([CONFIG, str(tmp_path / 'missing.json'), str(out)], 'missing.json does not exist'),
        (['configs/demo/dn_dab_detr_r18_demo.py', str(src), str(out)],
         'has no model.known_classes'),
    ]
    (tmp_path / 'bad.json').write_text('{"images": [')
    cases.append(([CONFIG, str(tmp_path / 'bad.json'), str(out)], 'bad.json is not valid JSON'))
    for args, message in cases:
        proc = run_script(['tools/dataset_converters/unknown_class_annotations.py', *args])
        assert proc.returncode != 0 and message in proc.stderr, proc.stderr[-2000:]
    assert not out.exists()
    assert json.loads(src.read_text())['annotations'][1]['category_id'] == 3
