"""tools/analysis/benchmark_inference.py: PyTorch and onnxruntime timed in one run."""
import re

from ..conftest import run_script


def test_prints_latency_and_throughput_of_both_runtimes():
    proc = run_script(['tools/analysis/benchmark_inference.py',
                       'configs/demo/dn_dab_detr_r18_demo.py', '--shape', '96', '128',
                       '--batch', '2', '--runs', '2', '--warmup', '1', '--threads', '1'])
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert '96x128, 1 threads, device cpu, median of 2 runs' in proc.stdout
    latency = re.search(r'\| batch-1 latency \(ms\) \| (\d+) \| (\d+) \| ([\d.]+) \|',
                        proc.stdout)
    throughput = re.search(r'\| images/s at batch 2 \| ([\d.]+) \| ([\d.]+) \| ([\d.]+) \|',
                           proc.stdout)
    assert latency and throughput, proc.stdout
    torch_ms, ort_ms, ratio = (float(v) for v in latency.groups())
    assert torch_ms > 0 and ort_ms > 0 and abs(ratio - ort_ms / torch_ms) < 0.02 + 1 / torch_ms
    torch_ips, ort_ips, speedup = (float(v) for v in throughput.groups())
    assert torch_ips > 0 and ort_ips > 0 and abs(speedup - ort_ips / torch_ips) < 0.05
