#!/usr/bin/env python3
"""PyTorch peer for the CIFAR-10 rows of `npm run bench:big`: Caffe's cifar10_quick or
cifar10_full (--net quick|full) on the CPU or, with --device cuda, a GPU, one JSON line.

The same figures as bench/cortado-cifar10.ts, with the protocol of pytorch_lenet.py (whose
measure(), measure_inference() and OpenBLAS core check this reuses):
- train_ips: images/s of SGD steps (momentum 0.9, lr 0.001, weight decay 0.004; biases at twice
  the rate; cifar10_full's ip1 weight decay x250 and its bias none, as in the definitions) at
  --batch N (default 100), on one fixed random batch;
- infer_ips: images/s of forward passes (logits + softmax) in eval and inference mode at batch N;
- latency_ms: milliseconds per forward pass at batch 1.
On CUDA (cuDNN benchmark mode, plain fp32 unless --tf32) steps queue within a repetition, which
ends with torch.cuda.synchronize(), as Cortado's side does.

The nets follow examples/cifar10/*.json layer for layer: pooling rounds its output size up as
Caffe's does (ceil_mode), mean pooling divides by the window's in-image size, and Caffe's
WITHIN_CHANNEL LRN, which PyTorch lacks, is written from its formula:
y = x (1 + alpha * mean of x^2 over the 3x3 window, zero padded)^-beta.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pytorch_lenet import measure, measure_inference, peer_arguments, start_torch  # noqa: E402


def build(which):
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    class Center(nn.Module):
        """Caffe-sized inputs: the definitions' Power layer, x * 256 - 128."""
        def forward(self, x):
            return x * 256 - 128

    class WithinChannelLRN(nn.Module):
        def __init__(self, size, alpha, beta):
            super().__init__()
            self.size, self.alpha, self.beta = size, alpha, beta

        def forward(self, x):
            s = F.avg_pool2d(x * x, self.size, stride=1, padding=(self.size - 1) // 2, count_include_pad=True)
            return x * torch.pow(1 + self.alpha * s, -self.beta)

    def mean_pool():
        return nn.AvgPool2d(3, 2, ceil_mode=True)

    if which == 'quick':
        return nn.Sequential(
            Center(),
            nn.Conv2d(3, 32, 5, padding=2), nn.MaxPool2d(3, 2, ceil_mode=True), nn.ReLU(),
            nn.Conv2d(32, 32, 5, padding=2), nn.ReLU(), mean_pool(),
            nn.Conv2d(32, 64, 5, padding=2), nn.ReLU(), mean_pool(),
            nn.Flatten(), nn.Linear(64 * 4 * 4, 64), nn.Linear(64, 10))
    return nn.Sequential(
        Center(),
        nn.Conv2d(3, 32, 5, padding=2), nn.MaxPool2d(3, 2, ceil_mode=True), nn.ReLU(), WithinChannelLRN(3, 5e-5, 0.75),
        nn.Conv2d(32, 32, 5, padding=2), nn.ReLU(), mean_pool(), WithinChannelLRN(3, 5e-5, 0.75),
        nn.Conv2d(32, 64, 5, padding=2), nn.ReLU(), mean_pool(),
        nn.Flatten(), nn.Linear(64 * 4 * 4, 10))


def main():
    ap = peer_arguments(100)
    ap.add_argument('--net', choices=['quick', 'full'], default='quick')
    args = ap.parse_args()

    peer = start_torch(args)
    torch, p, dev = peer.torch, peer.p, peer.device
    import torch.nn as nn

    n = args.batch

    model = build(args.net).to(dev)
    lr, decay = 0.001, 0.004
    last = model[-1]
    weights = [m.weight for m in model if isinstance(m, (nn.Conv2d, nn.Linear)) and not (args.net == 'full' and m is last)]
    biases = [m.bias for m in model if isinstance(m, (nn.Conv2d, nn.Linear)) and not (args.net == 'full' and m is last)]
    groups = [dict(params=weights, lr=lr, weight_decay=decay), dict(params=biases, lr=2 * lr, weight_decay=decay)]
    if args.net == 'full':
        groups += [dict(params=[last.weight], lr=lr, weight_decay=250 * decay), dict(params=[last.bias], lr=2 * lr, weight_decay=0)]
    opt = torch.optim.SGD(groups, lr=lr, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    x = torch.rand(n, 3, 32, 32, device=dev)
    y = torch.randint(0, 10, (n,), device=dev)

    def train_step():
        opt.zero_grad(set_to_none=False)
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()

    model.train()
    train_ips, steps = measure(train_step, n, p, peer.sync)
    infer_ips, per_s = measure_inference(model, x, p, peer.sync)

    print(json.dumps({
        **peer.describe(),
        'net': 'cifar10-' + args.net,
        'params': sum(t.numel() for t in model.parameters()),
        'batch': n,
        'trainIps': train_ips,
        'trainStepsPerRep': steps,
        'inferIps': infer_ips,
        'latencyMs': 1000.0 / per_s,
    }))


if __name__ == '__main__':
    main()
