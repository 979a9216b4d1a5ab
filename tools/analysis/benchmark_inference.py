"""Inference latency and throughput: PyTorch eager against onnxruntime, in one run.

The model is built from its config (with the checkpoint's weights if one is given,
random ones otherwise: the time of a DETR does not depend on them; a two-stage
detector's NMS does, a little) and exported to ONNX twice in a temporary folder (batch
1 and batch N, fixed input size). Both runtimes get the same normalised inputs;
PyTorch runs the detector's ``predict`` (what ``tools/test.py`` runs after the data
pipeline), onnxruntime the exported graph. Runs alternate between the runtimes, so
that drift in the machine's speed hits both. Prints a Markdown table: median batch-1
latency and images/s at batch N, and onnxruntime / PyTorch ratios.

Example::

    python tools/analysis/benchmark_inference.py configs/dn_dab_detr_r50_50e.py \\
        --shape 800 1333 --batch 2 --runs 5
"""
import argparse
import statistics
import tempfile
import time
from pathlib import Path
from typing import Callable, Dict, List

import torch

from mmdet.structures import DetDataSample
from mmdn.deployment import export_onnx, load_detector
from mmdn.engine import quiet_logger


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('config')
    parser.add_argument('checkpoint', nargs='?', help='weights (default: random)')
    parser.add_argument('--shape', type=int, nargs=2, default=(800, 1333), metavar=('H', 'W'))
    parser.add_argument('--batch', type=int, default=2, help='images a run for images/s')
    parser.add_argument('--runs', type=int, default=5, help='timed runs per measure')
    parser.add_argument('--warmup', type=int, default=1)
    parser.add_argument('--threads', type=int, default=torch.get_num_threads(),
                        help='CPU threads of both runtimes (default: torch\'s)')
    parser.add_argument('--device', default='cpu',
                        help="PyTorch's device; 'cuda' also runs onnxruntime on "
                        'CUDAExecutionProvider (onnxruntime-gpu)')
    return parser.parse_args()


def timed(fn: Callable[[], object], sync: Callable[[], None]) -> float:
    """Seconds one call of ``fn`` takes (after the device finished its work)."""
    start = time.perf_counter()
    fn()
    sync()
    return time.perf_counter() - start


def main() -> None:
    args = parse_args()
    quiet_logger('benchmark_inference')
    torch.set_num_threads(args.threads)
    import onnxruntime as ort
    cfg, model, _ = load_detector(args.config, args.checkpoint)
    height, width = args.shape
    options = ort.SessionOptions()
    options.intra_op_num_threads = args.threads
    providers = (['CUDAExecutionProvider', 'CPUExecutionProvider']
                 if args.device.startswith('cuda') else ['CPUExecutionProvider'])
    runs: Dict[str, Callable[[], object]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for batch in sorted({1, args.batch}):
            path = export_onnx(model, Path(tmp) / f'b{batch}.onnx', (height, width), batch)
            session = ort.InferenceSession(str(path), options, providers=providers)
            inputs = torch.randn(batch, 3, height, width, generator=torch.Generator()
                                 .manual_seed(0))
            feed = dict(inputs=inputs.numpy(),
                        valid_hw=torch.tensor([[height, width]] * batch).numpy())
            samples = [DetDataSample(metainfo=dict(
                img_shape=(height, width), pad_shape=(height, width),
                batch_input_shape=(height, width), ori_shape=(height, width),
                scale_factor=(1., 1.))) for _ in range(batch)]
            device_inputs = inputs.to(args.device)
            runs[f'torch{batch}'] = (lambda x=device_inputs, s=samples:
                                     model.predict(x, s, rescale=False))
            runs[f'ort{batch}'] = lambda sess=session, f=feed: sess.run(None, f)
        model.to(args.device)
        sync = torch.cuda.synchronize if args.device.startswith('cuda') else (lambda: None)
        times: Dict[str, List[float]] = {key: [] for key in runs}
        with torch.no_grad():
            for step in range(args.warmup + args.runs):
                keys = list(runs) if step % 2 == 0 else list(runs)[::-1]
                for key in keys:
                    seconds = timed(runs[key], sync)
                    if step >= args.warmup:
                        times[key].append(seconds)
    med = {key: statistics.median(t) for key, t in times.items()}
    n = args.batch
    print(f'{args.config}: {height}x{width}, {args.threads} threads, device {args.device}, '
          f'median of {args.runs} runs; onnxruntime {ort.__version__}, torch '
          f'{torch.__version__}')
    print('| measure | PyTorch | onnxruntime | onnxruntime / PyTorch |\n|---|---|---|---|')
    print(f'| batch-1 latency (ms) | {med["torch1"] * 1e3:.0f} | {med["ort1"] * 1e3:.0f} | '
          f'{med["ort1"] / med["torch1"]:.2f} |')
    print(f'| images/s at batch {n} | {n / med[f"torch{n}"]:.2f} | {n / med[f"ort{n}"]:.2f} '
          f'| {med[f"torch{n}"] / med[f"ort{n}"]:.2f} |')


if __name__ == '__main__':
    main()
