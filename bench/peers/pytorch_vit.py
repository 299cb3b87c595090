#!/usr/bin/env python3
"""PyTorch peer for `node dist/bench/vit.js`: the vision transformer of examples/mnist-vit/net.ts
(16 patches of 7x7 from a stride-7 convolution, a class token, a learned position embedding, 2
pre-norm blocks of 4-head attention and a GELU MLP of width 128, LayerNorm, a linear head), one
JSON line with trainIps: images/s of Adam steps (lr 1e-3) at --batch N (default 100) on one fixed
random batch, with pytorch_lenet.py's protocol (measure) and thread setup (start_torch).
Attention is written as the Cortado net computes it: q k^T / sqrt(d), softmax over the last axis,
times v (torch.matmul), not torch's fused attention kernels.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pytorch_lenet import measure, peer_arguments, start_torch  # noqa: E402

D, HEADS, BLOCKS, TOKENS = 64, 4, 2, 17


def build():
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.ln1, self.ln2 = nn.LayerNorm(D), nn.LayerNorm(D)
            self.q, self.k, self.v, self.proj = (nn.Linear(D, D) for _ in range(4))
            self.fc1, self.fc2 = nn.Linear(D, 2 * D), nn.Linear(2 * D, D)

        def forward(self, x):
            n, d = x.shape[0], D // HEADS
            h = self.ln1(x)

            def heads(z):
                return z.reshape(n, TOKENS, HEADS, d).permute(0, 2, 1, 3)
            q, k, v = heads(self.q(h)), heads(self.k(h)), heads(self.v(h))
            w = torch.softmax(torch.matmul(q, k.transpose(-1, -2)) / d ** 0.5, dim=-1)
            x = x + self.proj(torch.matmul(w, v).permute(0, 2, 1, 3).reshape(n, TOKENS, D))
            return x + self.fc2(F.gelu(self.fc1(self.ln2(x))))

    class Vit(nn.Module):
        def __init__(self):
            super().__init__()
            self.patches = nn.Conv2d(1, D, 7, stride=7)
            self.token = nn.Parameter(torch.randn(1, 1, D) * 0.02)
            self.position = nn.Parameter(torch.randn(TOKENS, D) * 0.02)
            self.blocks = nn.Sequential(*(Block() for _ in range(BLOCKS)))
            self.ln, self.head = nn.LayerNorm(D), nn.Linear(D, 10)

        def forward(self, x):
            t = self.patches(x.reshape(-1, 1, 28, 28)).flatten(2).transpose(1, 2)
            t = torch.cat([self.token.expand(t.shape[0], -1, -1), t], 1) + self.position
            return self.head(self.ln(self.blocks(t))[:, 0])

    return Vit()


def main():
    args = peer_arguments(100).parse_args()
    peer = start_torch(args)
    torch, p, dev = peer.torch, peer.p, peer.device
    n = args.batch
    model = build().to(dev)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.CrossEntropyLoss()
    x = torch.rand(n, 784, device=dev)
    y = torch.randint(0, 10, (n,), device=dev)

    def train_step():
        opt.zero_grad(set_to_none=False)
        loss_fn(model(x), y).backward()
        opt.step()

    model.train()
    train_ips, steps = measure(train_step, n, p, peer.sync)
    print(json.dumps({**peer.describe(), 'net': 'mnist-vit', 'params': sum(t.numel() for t in model.parameters()),
                      'batch': n, 'trainIps': train_ips, 'trainStepsPerRep': steps}))


if __name__ == '__main__':
    main()
