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

import matplotlib
import torch
from mmengine.config import DictAction

from mmdn.analysis import mean_distances
from mmdn.analysis.anchor_distance import matched_per_image
from mmdn.engine import load_config

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
    cfg = load_config(args.config, args.cfg_options)
    out_dir = Path(args.out_dir)
    pairs = []
    for index, (name, anchors, targets) in enumerate(
            matched_per_image(cfg, args.checkpoint, args.num_images)):
        pairs.append((anchors, targets))
        if index < args.plot:
            out_dir.mkdir(parents=True, exist_ok=True)  # once the model is known to fit
            draw(anchors, targets, f'{args.config}\n{name}', out_dir / f'{Path(name).stem}.png')
    distances = mean_distances(pairs)
    print(f"{distances['matched']} matched queries on {len(pairs)} images")
    boxes = f"(cx, cy, w, h): {distances['box']:.4f}; " if 'box' in distances else ''
    print(f"mean L1 distance anchor -> target, {boxes}centres: {distances['centre']:.4f}")
    print(f'plots in {out_dir}')


if __name__ == '__main__':
    main()
