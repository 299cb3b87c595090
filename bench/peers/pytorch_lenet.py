#!/usr/bin/env python3
"""PyTorch peer for `npm run bench`: Caffe's MNIST LeNet and SGEMM on the CPU, printed as one JSON line.

Measures with the protocol shared by every system (bench/measure.ts): warm-up, then repetitions
of about `rep_ms` each, fewer when slow; the figure is the median over repetitions.
- train_ips: images/s of SGD steps (momentum 0.9, lr 0.01 with Caffe's 'inv' policy, weight
  decay 5e-4) at batch 64, on one fixed random batch;
- infer_ips: images/s of forward passes (logits + softmax) at batch 64 in inference mode;
- latency_ms: milliseconds per forward pass at batch 1;
- sgemm_gflops: 2 n^3 / t for C = A B with n x n float32 matrices (torch.mm, i.e. OpenBLAS here).

OpenBLAS picks its kernels from the CPU model. An OpenBLAS older than the CPU falls back to a
generic core (Prescott: SSE3 only) that runs several times slower than what the CPU can do; when
that happens and the CPU has AVX-512 or AVX2, this script runs itself again with
OPENBLAS_CORETYPE naming the newest core the CPU supports, and reports both names.
"""
import argparse
import ctypes
import json
import os
import statistics
import sys
import time

FALLBACK_CORES = {'prescott', 'core2', 'nehalem', 'katmai', 'coppermine', 'northwood', 'banias', 'atom', 'dunnington', 'penryn'}


def cpu_flags():
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('flags'):
                    return set(line.split(':', 1)[1].split())
    except OSError:
        pass
    return set()


def best_core_for(flags):
    if {'avx512f', 'avx512bw', 'avx512vl', 'avx512_bf16'} <= flags:
        return 'Cooperlake'
    if {'avx512f', 'avx512bw', 'avx512vl'} <= flags:
        return 'SkylakeX'
    if {'avx2', 'fma'} <= flags:
        return 'Haswell'
    return None


def openblas():
    """The OpenBLAS library loaded in this process (by torch), or None."""
    with open('/proc/self/maps') as f:
        paths = {line.split()[-1] for line in f if 'openblas' in line.split()[-1].lower() and '.so' in line}
    for path in sorted(paths):
        try:
            lib = ctypes.CDLL(path)
            lib.openblas_get_corename.restype = ctypes.c_char_p
            lib.openblas_get_config.restype = ctypes.c_char_p
            return lib
        except (OSError, AttributeError):
            continue
    return None


QUICK = dict(warmup=3, warmup_ms=1000, reps=3, min_reps=1, rep_ms=300, budget_ms=5000)
FULL = dict(warmup=10, warmup_ms=5000, reps=7, min_reps=3, rep_ms=1000, budget_ms=60000)
# One warm-up and one timed step of each: a check that a peer runs, not a measurement.
SMOKE = dict(warmup=1, warmup_ms=0, reps=1, min_reps=1, rep_ms=0, budget_ms=0)


def peer_arguments(batch):
    """The command line the big-net peers share: --quick, --smoke, --threads, --batch (default
    `batch`), --device cpu|cuda and --tf32."""
    ap = argparse.ArgumentParser()
    ap.add_argument('--quick', action='store_true')
    ap.add_argument('--smoke', action='store_true', help='one warm-up and one timed step of each: a check, not a measurement')
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--batch', type=int, default=batch)
    ap.add_argument('--device', choices=['cpu', 'cuda'], default='cpu')
    ap.add_argument('--tf32', action='store_true', help='on CUDA, let cuBLAS and cuDNN use TF32 tensor cores (off: plain fp32)')
    return ap


class Peer:
    """What start_torch sets up: torch, the measuring protocol, the device, and `sync`, which waits
    for the device's queued work (nothing to wait for on the CPU)."""

    def __init__(self, torch, p, device):
        self.torch, self.p, self.device = torch, p, device
        self.sync = torch.cuda.synchronize if device.type == 'cuda' else None

    def describe(self):
        """The JSON fields naming the system: its name, threads and BLAS core, or GPU and cuDNN."""
        torch = self.torch
        if self.device.type == 'cuda':
            return {
                'system': 'pytorch-cuda', 'version': torch.__version__, 'gpu': torch.cuda.get_device_name(0),
                'cudnn': torch.backends.cudnn.version(), 'cudnnBenchmark': torch.backends.cudnn.benchmark,
                'tf32': torch.backends.cudnn.allow_tf32,
            }
        lib = openblas()
        return {
            'system': 'pytorch', 'version': torch.__version__, 'threads': torch.get_num_threads(),
            'blasCore': lib.openblas_get_corename().decode() if lib else None,
            'blasCoreForced': os.environ.get('OPENBLAS_CORETYPE'),
        }


def start_torch(args):
    """Imports torch and sets it up for peer_arguments' flags: on the CPU, restarts with the right
    OpenBLAS core where needed (fix_openblas_core) and sets the threads; on CUDA, turns on cuDNN's
    benchmark mode (each convolution's fastest algorithm, chosen on first use) and sets TF32 as
    --tf32 says. Seeds, and returns a Peer."""
    import torch
    if args.device == 'cuda':
        if not torch.cuda.is_available():
            sys.exit('pytorch peer: --device cuda, but torch.cuda.is_available() is False')
        torch.backends.cudnn.benchmark = True
        torch.backends.cuda.matmul.allow_tf32 = args.tf32
        torch.backends.cudnn.allow_tf32 = args.tf32
    else:
        fix_openblas_core()
        torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    return Peer(torch, SMOKE if args.smoke else QUICK if args.quick else FULL, torch.device(args.device))


def fix_openblas_core():
    """Restarts this script with OPENBLAS_CORETYPE set to the best kernel set the CPU supports when
    OpenBLAS picked a generic fallback core (unless the user set OPENBLAS_CORETYPE); the detected core
    is passed on in CORTADO_BENCH_REEXEC for the report."""
    lib = openblas()
    core = lib.openblas_get_corename().decode() if lib else None
    if (core and core.lower() in FALLBACK_CORES and 'OPENBLAS_CORETYPE' not in os.environ
            and not os.environ.get('CORTADO_BENCH_REEXEC')):
        better = best_core_for(cpu_flags())
        if better:
            env = dict(os.environ, OPENBLAS_CORETYPE=better, CORTADO_BENCH_REEXEC=core)
            sys.stdout.flush()
            os.execve(sys.executable, [sys.executable] + sys.argv, env)


def measure(step, items, p, sync=None):
    """Median items/s over repetitions of about rep_ms each (bench/measure.ts's protocol). `sync`,
    where given, waits for the device: after every warm-up step and at the end of each repetition,
    inside its timing."""
    sync = sync or (lambda: None)
    start = time.perf_counter()
    step()
    sync()
    # The warm-up steps after the first (which carries one-time costs: cuDNN's autotuning, the
    # caching allocator's growth) size the repetitions, as in measure.ts.
    after = 0
    t0 = time.perf_counter()
    while 1 + after < p['warmup'] and (after == 0 or time.perf_counter() - t0 < p['warmup_ms'] / 1000):
        step()
        sync()
        after += 1
    per = max((time.perf_counter() - t0) / after if after else t0 - start, 1e-7)
    iters = max(1, round(p['rep_ms'] / 1000 / per))
    reps = min(p['reps'], max(p['min_reps'], int(p['budget_ms'] / 1000 / (iters * per))))
    rates = []
    for _ in range(reps):
        t = time.perf_counter()
        for _ in range(iters):
            step()
        sync()
        rates.append(items * iters / (time.perf_counter() - t))
    return statistics.median(rates), iters


def measure_inference(model, x, p, sync=None):
    """Inference items/s at the batch of x, and batch-1 runs/s (each run waiting for its result),
    in eval mode without autograd."""
    import torch  # imported late, as in main, after the thread settings
    model.eval()
    x1 = x[:1].clone()
    wait = sync or (lambda: None)

    def one():
        torch.softmax(model(x1), 1)
        wait()

    with torch.inference_mode():
        infer_ips, _ = measure(lambda: torch.softmax(model(x), 1), len(x), p, sync)
        per_s, _ = measure(one, 1, p)
    return infer_ips, per_s


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--quick', action='store_true')
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--batch', type=int, default=64)
    ap.add_argument('--gemm', default='128,512,2048')
    ap.add_argument('--blas-core', default='fix', choices=['fix', 'auto'],
                    help="'fix': rerun with OPENBLAS_CORETYPE when detection fell back to a generic core")
    args = ap.parse_args()

    import torch
    import torch.nn as nn

    if args.blas_core == 'fix':
        fix_openblas_core()

    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    p = QUICK if args.quick else FULL
    n = args.batch

    def lenet():
        return nn.Sequential(
            nn.Conv2d(1, 20, 5), nn.MaxPool2d(2, 2),
            nn.Conv2d(20, 50, 5), nn.MaxPool2d(2, 2),
            nn.Flatten(), nn.Linear(800, 500), nn.ReLU(), nn.Linear(500, 10))

    model = lenet()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda it: (1 + 1e-4 * it) ** -0.75)
    loss_fn = nn.CrossEntropyLoss()
    x = torch.rand(n, 1, 28, 28)
    y = torch.randint(0, 10, (n,))

    def train_step():
        opt.zero_grad(set_to_none=False)
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        sched.step()

    model.train()
    train_ips, train_iters = measure(train_step, n, p)

    infer_ips, per_s = measure_inference(model, x, p)

    gemm = {}
    with torch.inference_mode():
        for size in (int(s) for s in args.gemm.split(',') if s):
            a = torch.rand(size, size)
            b = torch.rand(size, size)
            c = torch.empty(size, size)
            flops = 2.0 * size ** 3
            rate, _ = measure(lambda: torch.mm(a, b, out=c), 1, p)
            gemm[str(size)] = rate * flops / 1e9

    lib = openblas()
    print(json.dumps({
        'system': 'pytorch',
        'version': torch.__version__,
        'threads': torch.get_num_threads(),
        'blas': lib.openblas_get_config().decode() if lib else None,
        'blasCore': lib.openblas_get_corename().decode() if lib else None,
        'blasCoreDetected': os.environ.get('CORTADO_BENCH_REEXEC') or (lib.openblas_get_corename().decode() if lib else None),
        'blasCoreForced': os.environ.get('OPENBLAS_CORETYPE'),
        'batch': n,
        'trainIps': train_ips,
        'trainItersPerRep': train_iters,
        'inferIps': infer_ips,
        'latencyMs': 1000.0 / per_s,
        'sgemmGflops': gemm,
    }))


if __name__ == '__main__':
    main()
