"""Training parity with the official DN-DETR (github IDEA-Research/DN-DETR), on the CPU.

Builds an official family's model from a checkout, converts its random weights to the
family's config (``mmdn.converters``), and trains both for ``--steps`` batches in this
process: the same batches (two images of different sizes, different object counts, an
image without objects, boxes at the border), the noise the official ``prepare_for_dn``
draws replayed in this repository's generator, each code's own optimizer, clipping and
learning rates, each step of both from the same state. Prints one table (the denoising
queries, the assignment of every decoder layer, every loss term, every gradient, the
gradient norm, the optimizer's updates, each parameter's lr and weight decay, the
parameters after each step, the official GIoU epsilon's effect) and the stated
deviations; ``--out`` also writes them as Markdown. Exits 1 when a row fails. See
``mmdn.analysis.train_parity``.

The official code needs torchvision matching torch (its ResNet and box operations).

Example::

    python tools/analysis/official_train_parity.py ../DN-DETR --family dn_dab_detr_r50
"""
import argparse
import sys
from pathlib import Path

import torch

from mmdet.utils import register_all_modules
from mmdn.analysis.official_dn_detr import FAMILIES, OfficialCodeError
from mmdn.analysis.parity_fixture import make_fixture
from mmdn.analysis.train_parity import format_table, train_parity
from mmdn.engine import write_atomically
from mmdn.engine.quiet_logger import quiet_logger


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('official', help='a checkout of github IDEA-Research/DN-DETR')
    parser.add_argument('--family', default='dn_dab_detr_r50',
                        help=f'one of {", ".join(FAMILIES)}')
    parser.add_argument('--config', help="this repository's config (default: the one the "
                        'converter picks for the family)')
    parser.add_argument('--steps', type=int, default=10, help='optimizer steps (batches)')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--float64', action='store_true',
                        help='both codes in float64: what remains is not rounding')
    parser.add_argument('--out', help='also write the table and deviations here (Markdown)')
    parser.add_argument('--fixture', help='instead, write the CI fixture here: the small '
                        'DN-DAB-DETR of mmdn.analysis.train_parity.make_fixture, --steps steps')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    register_all_modules()
    quiet_logger('mmengine')
    if args.fixture:
        fixture = make_fixture(Path(args.official), args.steps, args.seed)
        write_atomically(Path(args.fixture), lambda tmp: torch.save(fixture, tmp))
        print(f'written: {args.fixture} ({Path(args.fixture).stat().st_size} bytes, official '
              f'commit {fixture["official_commit"]})')
        return
    try:
        rows, notes, _ = train_parity(Path(args.official), args.family, args.config,
                                      args.steps, args.seed,
                                      torch.float64 if args.float64 else torch.float32)
    except OfficialCodeError as err:
        raise SystemExit(f'error: {err}')
    text = format_table(rows) + '\n\nStated deviations:\n' + ''.join(
        f'- {note}\n' for note in notes)
    print(text)
    if args.out:
        write_atomically(Path(args.out), lambda tmp: Path(tmp).write_text(text))
    sys.exit(1 if any(r.verdict.startswith('FAIL') for r in rows) else 0)


if __name__ == '__main__':
    main()
