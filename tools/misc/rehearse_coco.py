"""Rehearses a COCO training job on a CPU: multi-process training on a small set with what
COCO has, a resume, and a test, with the config's own pipeline and model family.

    python tools/misc/rehearse_coco.py configs/dn_dab_detr_r50_50e.py [--processes 2]

Steps, each a subprocess of the repo's own tools (their output in WORK_DIR/*.log):

1. writes a COCO-format set (:mod:`mmdn.datasets.coco_rehearsal`: crowd-only and empty
   images, a dense image, 1-px and image-sized boxes, 4:1 and 1:4 images);
2. derives ``WORK_DIR/config/<name>_rehearsal.py`` from CONFIG: the set as its data, the
   ResNet backbone at depth 18 with torchvision's ImageNet ResNet-18 weights where CONFIG
   names ImageNet weights (the input widths of the neck or the pixel decoder to match; a
   DC5 backbone keeps its dilation in mmdet's layout, as torchvision's dilated layout
   needs bottleneck blocks), unless ``--keep-backbone``; at most 300 queries for two-stage
   models (DINO selects its queries among the encoder's points), every resize, crop and
   pad size of its pipelines and of the model's batch augments times ``--scale``,
   ``--images-per-process`` images a batch, everything else as CONFIG has it (the multi-
   scale resize, the random crop with negative crops, the model's transformer, the DN
   part, the schedule's optimizer), without its ``load_from`` (a fine-tuning config starts
   from scratch);
3. trains one epoch in ``--processes`` processes (``tools/dist_train.sh``; gloo on a
   machine without CUDA), then resumes from its checkpoint for a second epoch (an
   iteration-based config, as Mask2Former's: as many iterations as an epoch of the set has
   batches, twice);
4. tests the final checkpoint (``tools/dist_test.sh``) with COCO metrics.

It prints each thing it replaces and why, and stops at the first step that fails, naming
it and its log.
"""
import argparse
import os
import os.path as osp
import subprocess
import sys
import time
from typing import Any, List, Tuple

from mmengine.config import Config

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, REPO)

from mmdn.datasets.coco_rehearsal import make_rehearsal_dataset  # noqa: E402

# Output widths of ResNet-18's four stages.
R18_WIDTHS = (64, 128, 256, 512)
SIZE_KEYS = ('scale', 'scales', 'crop_size', 'size')


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('config', help='a COCO config, e.g. configs/dn_dab_detr_r50_50e.py')
    parser.add_argument('--processes', type=int, default=2, help='training processes')
    parser.add_argument('--work-dir', help='default: work_dirs/rehearsal/<config name>')
    parser.add_argument('--scale', type=float, default=0.25,
                        help='factor on every resize, crop and pad size of the pipelines and '
                        'batch augments')
    parser.add_argument('--images-per-process', type=int, default=2, help='batch size')
    parser.add_argument('--train-images', type=int, default=14,
                        help='training images (7 kinds, in turn)')
    parser.add_argument('--dense-objects', type=int, default=320,
                        help='objects of the dense images')
    parser.add_argument('--keep-backbone', action='store_true',
                        help="CONFIG's backbone and its ImageNet weights, not ResNet-18 "
                        '(slower: a ResNet-50 step takes several times as long on a CPU)')
    parser.add_argument('--port', type=int, default=29650, help='the process group port')
    return parser.parse_args()


def scale_sizes(node: Any, factor: float) -> Any:
    """``node`` (a pipeline or batch augments) with every resize, crop and pad size
    multiplied by ``factor``."""
    if isinstance(node, dict):
        return {k: (_scaled(v, factor) if k in SIZE_KEYS else scale_sizes(v, factor))
                for k, v in node.items()}
    if isinstance(node, (list, tuple)):
        return type(node)(scale_sizes(v, factor) for v in node)
    return node


def _scaled(value: Any, factor: float) -> Any:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return max(1, int(round(value * factor)))
    if isinstance(value, (list, tuple)):
        return type(value)(_scaled(v, factor) for v in value)
    return value


def rehearsal_config(cfg: Config, data_root: str,
                     args: argparse.Namespace) -> Tuple[Config, List[str]]:
    """CONFIG with the rehearsal set, ResNet-18 and the scaled pipelines (see step 2), and
    what of CONFIG's model was replaced, each with its reason."""
    model = cfg.model
    backbone = model.backbone
    replaced = []
    if 'ResNet' not in backbone.type:
        raise ValueError(f'{args.config}: the rehearsal shrinks ResNet backbones, got '
                         f'{backbone.type}')
    if not args.keep_backbone:
        weights = (backbone.get('init_cfg') or {}).get('checkpoint', 'no pretrained weights')
        pretrained = str(weights).startswith('torchvision://')
        new_weights = 'torchvision://resnet18' if pretrained else 'no pretrained weights'
        replaced.append(
            f'backbone: {backbone.type} depth {backbone.depth} ({weights}) -> ResNet depth 18 '
            f'({new_weights}), input widths of what reads it to match: a CPU rehearsal step in '
            'seconds (--keep-backbone keeps it)')
        backbone.update(depth=18, init_cfg=dict(type='Pretrained', checkpoint=new_weights)
                        if pretrained else None)
        if backbone.type == 'ResNetTorchvisionDilation':  # bottleneck blocks only
            backbone.type = 'ResNet'
            replaced.append('DC5 dilation: torchvision\'s layout -> mmdet\'s, as torchvision\'s '
                            'layout needs bottleneck blocks')
        widths = [R18_WIDTHS[i] for i in backbone.out_indices]
        # What reads the backbone's stages: a neck, Mask2Former's head or Mask DINO's pixel
        # decoder.
        reader = model.get('neck') or model.get('panoptic_head') or \
            model.get('bbox_head', {}).get('pixel_decoder')
        if reader is not None:
            reader.in_channels = widths
    if model.get('as_two_stage') and model.num_queries > 300:
        # Two-stage query selection takes the top num_queries encoder points: 900 is more
        # than the scaled images' feature maps hold.
        replaced.append(f'num_queries: {model.num_queries} -> 300, as two-stage selection '
                        'needs as many encoder points as queries and the scaled images\' '
                        'feature maps hold fewer')
        model.num_queries = 300
    if args.scale != 1:
        replaced.append(f'pipelines: every resize, crop and pad size x {args.scale} (--scale), '
                        'for the CPU')
    preprocessor = model.get('data_preprocessor', {})
    if preprocessor.get('batch_augments'):  # Mask2Former's fixed-size padding of a batch
        preprocessor.batch_augments = scale_sizes(preprocessor.batch_augments, args.scale)
        replaced.append(f'batch augments: their sizes x {args.scale} (--scale), as the '
                        'pipelines\'')
    for split in ('train', 'val', 'test'):
        loader = cfg[f'{split}_dataloader']
        loader.update(num_workers=0, persistent_workers=False)
        dataset = loader.dataset
        dataset.update(data_root=data_root, pipeline=scale_sizes(dataset.pipeline, args.scale),
                       ann_file=f'annotations/instances_{"train" if split == "train" else "val"}'
                       '2017.json',
                       data_prefix=dict(img='train2017/' if split == 'train' else 'val2017/'))
        dataset.pop('indices', None)
    cfg.train_dataloader.batch_size = args.images_per_process
    for split in ('val', 'test'):
        cfg[f'{split}_evaluator'].ann_file = osp.join(data_root,
                                                      'annotations/instances_val2017.json')
    phase = phase_length(cfg, args)
    cfg.train_cfg.pop('dynamic_intervals', None)
    cfg.train_cfg.update({'max_iters' if by_iteration(cfg) else 'max_epochs': 2 * phase,
                          'val_interval': 100 * phase})
    cfg.default_hooks.logger.interval = 1
    cfg.default_hooks.checkpoint.update(interval=phase, max_keep_ckpts=2)
    cfg.work_dir = args.work_dir
    if cfg.get('load_from'):
        replaced.append(f'load_from: {cfg.load_from} -> none, a checkpoint of the full-size '
                        'model')
    cfg.load_from = None
    return cfg, replaced


def by_iteration(cfg: Config) -> bool:
    """Whether CONFIG's schedule counts iterations (Mask2Former's) rather than epochs."""
    return cfg.train_cfg.get('type') == 'IterBasedTrainLoop'


def phase_length(cfg: Config, args: argparse.Namespace) -> int:
    """Length of each training step in the schedule's unit: one epoch, or the iterations of
    one pass over the training images."""
    if not by_iteration(cfg):
        return 1
    return -(-args.train_images // (args.images_per_process * args.processes))


def run(step: str, cmd: List[str], log: str, env: dict) -> None:
    """Runs one step; exits naming it and its log when it fails."""
    start = time.time()
    with open(log, 'w') as f:
        proc = subprocess.run(cmd, cwd=REPO, stdout=f, stderr=subprocess.STDOUT, env=env)
    took = time.time() - start
    if proc.returncode != 0:
        with open(log) as f:
            tail = f.read()[-3000:]
        sys.exit(f'{tail}\nrehearsal step "{step}" failed (exit {proc.returncode}) after '
                 f'{took:.0f} s: see {log}')
    print(f'{step}: ok ({took:.0f} s, log {log})', flush=True)


def main() -> None:
    args = parse_args()
    name = osp.splitext(osp.basename(args.config))[0]
    args.work_dir = osp.abspath(args.work_dir or osp.join('work_dirs', 'rehearsal', name))
    os.makedirs(args.work_dir, exist_ok=True)
    data_root = osp.join(args.work_dir, 'data') + '/'
    make_rehearsal_dataset(data_root, num_train=args.train_images,
                           dense_objects=args.dense_objects)
    print(f'data: {data_root} ({args.train_images} training images)', flush=True)
    # Not in the work dir itself, where the runner writes the resolved config of a run.
    config = osp.join(args.work_dir, 'config', f'{name}_rehearsal.py')
    os.makedirs(osp.dirname(config), exist_ok=True)
    cfg, replaced = rehearsal_config(Config.fromfile(args.config), data_root, args)
    cfg.dump(config)
    print(f'config: {config}', flush=True)
    for change in replaced:
        print(f'replaced: {change}', flush=True)

    env = dict(os.environ, PORT=str(args.port))
    env['PATH'] = f'{osp.dirname(sys.executable)}{os.pathsep}{env["PATH"]}'
    train = ['bash', 'tools/dist_train.sh', config, str(args.processes), '--work-dir',
             args.work_dir]
    phase = phase_length(cfg, args)
    unit, key, prefix = (('iteration', 'max_iters', 'iter') if by_iteration(cfg) else
                         ('epoch', 'max_epochs', 'epoch'))
    checkpoint = {n: osp.join(args.work_dir, f'{prefix}_{n}.pth') for n in (phase, 2 * phase)}
    run(f'train ({unit} {phase})', train + ['--cfg-options', f'train_cfg.{key}={phase}'],
        osp.join(args.work_dir, 'train.log'), env)
    run(f'resume ({unit} {2 * phase})', train + ['--resume', checkpoint[phase]],
        osp.join(args.work_dir, 'resume.log'), env)
    run('test', ['bash', 'tools/dist_test.sh', config, checkpoint[2 * phase],
                 str(args.processes), '--work-dir', args.work_dir],
        osp.join(args.work_dir, 'test.log'), env)
    print(f'rehearsal of {args.config} passed: {args.work_dir}')


if __name__ == '__main__':
    main()
