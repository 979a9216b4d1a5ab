"""tools/analysis/dn_mask_coverage.py on the demo set."""
import json
import re

from ..conftest import REPO, data_options, run_script

CONFIG = REPO / 'configs/demo/dn_mask2former_r18_demo.py'


def table_rows(stdout):
    return {m[0]: (int(m[1]), float(m[2]), float(m[3])) for m in re.findall(
        r'^\| (\w+) \| (\d+) \| ([\d.]+) % \| ([\d.]+) % \|$', stdout, re.M)}


def test_counts_every_denoising_query_and_none_attends_everywhere(demo_data):
    proc = run_script(['tools/analysis/dn_mask_coverage.py', str(CONFIG), '--num-images', '4',
                       '--cfg-options', *data_options(demo_data)])
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert 'denoising queries of 4 training images' in proc.stdout
    rows = table_rows(proc.stdout)
    assert list(rows) == ['small', 'medium', 'large', 'all']
    # The first 4 train images with objects (the dataset drops empty ones), 5 groups each.
    annotations = json.loads((demo_data / 'annotations/train.json').read_text())
    per_image = {}
    for ann in annotations['annotations']:
        per_image[ann['image_id']] = per_image.get(ann['image_id'], 0) + 1 - ann['iscrowd']
    objects = [per_image[img['id']] for img in annotations['images'] if img['id'] in per_image]
    assert rows['all'][0] == 5 * sum(objects[:4])
    assert sum(count for name, (count, *_) in rows.items() if name != 'all') == rows['all'][0]
    # Shapes smaller than a stride-32 cell cover none by half; the head keeps one cell.
    assert rows['small'][1] > 50 and rows['all'][1] > 0
    assert all(built == 0 for _, _, built in rows.values())


def test_a_config_without_the_denoising_head_is_refused(demo_data):
    proc = run_script(['tools/analysis/dn_mask_coverage.py',
                       str(REPO / 'configs/demo/mask2former_r18_demo.py'),
                       '--cfg-options', *data_options(demo_data)])
    assert proc.returncode == 1
    assert 'mask2former_r18_demo.py: no DN-Mask2Former head' in proc.stderr
    assert 'Mask2FormerHead' in proc.stderr
