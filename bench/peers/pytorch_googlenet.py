#!/usr/bin/env python3
"""PyTorch peer for `npm run bench:googlenet` and `bench:big`: torchvision's GoogLeNet on the CPU or,
with --device cuda, a GPU (cuDNN benchmark mode; plain fp32 unless --tf32), one JSON line.

The same figures as bench/cortado-googlenet.ts, with the protocol of pytorch_lenet.py (whose
measure() and OpenBLAS core check this reuses):
- fwdbwd_ips: images/s of zero_grad + forward + loss (main + 0.3 x each auxiliary head) +
  backward in training mode at --batch N (default 16), on one fixed random batch; no update;
- infer_ips: images/s of forward passes (logits + softmax) in eval and inference mode at batch N;
- latency_ms: milliseconds per forward pass at batch 1.

torchvision's GoogLeNet is not the paper's to the letter: it has BatchNorm after every
convolution, no LRN, a 3x3 convolution in the "5x5" branch, and auxiliary heads with an adaptive
4x4 average pool. Its parameter count and multiply-adds are close, not equal (see bench/README.md).

--amp float16|bfloat16 (CUDA): automatic mixed precision, the forward pass and loss under
torch.autocast with that type (backward outside it, as PyTorch's recipe has it), to set beside
Cortado's mixed precision (cortado-cuda-fp16/-bf16 in bench:big). The forward + backward step
has no update, so no GradScaler: a scaled loss costs one multiply.
"""
import contextlib
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pytorch_lenet import measure, measure_inference, peer_arguments, start_torch  # noqa: E402


def main():
    ap = peer_arguments(16)
    ap.add_argument('--amp', choices=['float16', 'bfloat16'], help='CUDA: autocast to this type (automatic mixed precision)')
    args = ap.parse_args()
    if args.amp and args.device != 'cuda':
        ap.error('--amp needs --device cuda')

    peer = start_torch(args)
    torch, p, dev = peer.torch, peer.p, peer.device
    import torch.nn as nn
    import torchvision

    n = args.batch
    amp = (lambda: torch.autocast('cuda', dtype=getattr(torch, args.amp))) if args.amp else contextlib.nullcontext

    model = torchvision.models.googlenet(weights=None, aux_logits=True, init_weights=True, transform_input=False).to(dev)
    loss_fn = nn.CrossEntropyLoss()
    x = torch.rand(n, 3, 224, 224, device=dev) * 256 - 128
    y = torch.randint(0, 1000, (n,), device=dev)

    def fwdbwd():
        model.zero_grad(set_to_none=False)
        with amp():
            out = model(x)
            loss = loss_fn(out.logits, y) + 0.3 * loss_fn(out.aux_logits1, y) + 0.3 * loss_fn(out.aux_logits2, y)
        loss.backward()

    model.train()
    fwdbwd_ips, steps = measure(fwdbwd, n, p, peer.sync)

    with amp():
        infer_ips, per_s = measure_inference(model, x, p, peer.sync)

    print(json.dumps({
        **peer.describe(),
        'torchvision': torchvision.__version__,
        'params': sum(t.numel() for t in model.parameters()),
        'batch': n,
        'amp': args.amp,
        'fwdbwdIps': fwdbwd_ips,
        'fwdbwdStepsPerRep': steps,
        'inferIps': infer_ips,
        'latencyMs': 1000.0 / per_s,
    }))


if __name__ == '__main__':
    main()
