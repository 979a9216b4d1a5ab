"""Anchor-target distance of a trained model (paper §3.2, Fig. 4).

Runs the model over the test set of its config (or the first ``--num-images``), matches
the last decoder layer's predictions to the ground truth with the head's Hungarian
assigner, and reports the mean L1 distance between each matched query's initial anchor
and its object, as normalised (cx, cy, w, h), and between their centres (only the
latter for Anchor DETR's anchor points). Draws Fig. 4-style plots for the first
``--plot`` images: an arrow from each matched anchor's centre to its object's, coloured
by the arrow's L1 length.

Example::

    python tools/analysis/anchor_target_distance.py configs/demo/dn_dab_detr_r18_demo.py \\
        work_dirs/demo_dn_dab_detr/epoch_12.pth --num-images 100 --plot 4 --out-dir anchors
"""
import argparse
from pathlib import Path
from typing import List

import matplotlib
import torch
from mmengine.config import Config, DictAction
from mmengine.registry import init_default_scope
from mmengine.runner import Runner, load_checkpoint

from mmdet.registry import MODELS
from mmdet.utils import register_all_modules
from mmdn.analysis import matched_anchors
from mmdn.engine import check_custom_imports

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--num-images', type=int, help='at most this many test images')
    parser.add_argument('--plot', type=int, default=4, help='images to draw')
    parser.add_argument('--out-dir', default='anchor_target_distance')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='key=value overrides, as tools/test.py')
    return parser.parse_args()


def draw(anchors: torch.Tensor, targets: torch.Tensor, title: str, out: Path) -> None:
    """Fig. 4: arrows from anchor centres to target centres, coloured by L1 length."""
    starts, ends = anchors[:, :2].numpy(), targets[:, :2].numpy()
    lengths = (targets[:, :2] - anchors[:, :2]).abs().sum(1).numpy()
    fig, ax = plt.subplots(figsize=(4.5, 4), dpi=120)
    colors = plt.cm.viridis(lengths / max(float(lengths.max(initial=0)), 1e-6))
    for (x0, y0), (x1, y1), color in zip(starts, ends, colors):
        ax.annotate('', xy=(x1, y1), xytext=(x0, y0),
                    arrowprops=dict(arrowstyle='->', color=color, lw=1.2))
    mappable = plt.cm.ScalarMappable(cmap='viridis', norm=plt.Normalize(0, lengths.max(
        initial=0)))
    fig.colorbar(mappable, ax=ax, label='L1 length')
    ax.set_xlim(0, 1)
    ax.set_ylim(1, 0)  # image coordinates: y down
    ax.set_xlabel('x')
    ax.set_ylabel('y')
    ax.set_title(title, fontsize=8)
    fig.tight_layout()
    fig.savefig(out)
    plt.close(fig)


def main() -> None:
    args = parse_args()
    register_all_modules()
    cfg = Config.fromfile(args.config)
    check_custom_imports(cfg, args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    init_default_scope('mmdet')
    model = MODELS.build(cfg.model)
    load_checkpoint(model, args.checkpoint, map_location='cpu')
    cfg.test_dataloader.batch_size = 1
    loader = Runner.build_dataloader(cfg.test_dataloader)
    out_dir = Path(args.out_dir)
    box_l1: List[torch.Tensor] = []
    centre_l1: List[torch.Tensor] = []
    num_images = 0
    for index, data in enumerate(loader):
        if args.num_images is not None and index >= args.num_images:
            break
        num_images += 1
        anchors, targets = matched_anchors(model, data)[0]
        if anchors.size(1) == 4:  # boxes; points (Anchor DETR) have centres only
            box_l1.append((anchors - targets).abs().sum(1))
        centre_l1.append((anchors[:, :2] - targets[:, :2]).abs().sum(1))
        if index < args.plot:
            out_dir.mkdir(parents=True, exist_ok=True)  # once the model is known to fit
            name = Path(data['data_samples'][0].img_path).name
            draw(anchors, targets, f'{args.config}\n{name}', out_dir / f'{Path(name).stem}.png')
    centre_l1 = torch.cat(centre_l1)
    print(f'{len(centre_l1)} matched queries on {num_images} images')
    boxes = f'(cx, cy, w, h): {torch.cat(box_l1).mean():.4f}; ' if box_l1 else ''
    print(f'mean L1 distance anchor -> target, {boxes}centres: {centre_l1.mean():.4f}')
    print(f'plots in {out_dir}')


if __name__ == '__main__':
    main()
