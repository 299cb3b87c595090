#!/usr/bin/env python3
"""PyTorch peer for `npm run bench:googlenet`: torchvision's GoogLeNet on the CPU, one JSON line.

The same figures as bench/cortado-googlenet.ts, with the protocol of pytorch_lenet.py (whose
measure() and OpenBLAS core check this reuses):
- fwdbwd_ips: images/s of zero_grad + forward + loss (main + 0.3 x each auxiliary head) +
  backward in training mode at --batch N (default 16), on one fixed random batch; no update;
- infer_ips: images/s of forward passes (logits + softmax) in eval and inference mode at batch N;
- latency_ms: milliseconds per forward pass at batch 1.

torchvision's GoogLeNet is not the paper's to the letter: it has BatchNorm after every
convolution, no LRN, a 3x3 convolution in the "5x5" branch, and auxiliary heads with an adaptive
4x4 average pool. Its parameter count and multiply-adds are close, not equal (see bench/README.md).
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pytorch_lenet import measure, measure_inference, openblas, peer_arguments, start_torch  # noqa: E402


def main():
    ap = peer_arguments(16)
    args = ap.parse_args()

    torch, p = start_torch(args)
    import torch.nn as nn
    import torchvision

    n = args.batch

    model = torchvision.models.googlenet(weights=None, aux_logits=True, init_weights=True, transform_input=False)
    loss_fn = nn.CrossEntropyLoss()
    x = torch.rand(n, 3, 224, 224) * 256 - 128
    y = torch.randint(0, 1000, (n,))

    def fwdbwd():
        model.zero_grad(set_to_none=False)
        out = model(x)
        loss = loss_fn(out.logits, y) + 0.3 * loss_fn(out.aux_logits1, y) + 0.3 * loss_fn(out.aux_logits2, y)
        loss.backward()

    model.train()
    fwdbwd_ips, steps = measure(fwdbwd, n, p)

    infer_ips, per_s = measure_inference(model, x, p)

    lib = openblas()
    print(json.dumps({
        'system': 'pytorch',
        'version': torch.__version__,
        'torchvision': torchvision.__version__,
        'threads': torch.get_num_threads(),
        'blasCore': lib.openblas_get_corename().decode() if lib else None,
        'blasCoreForced': os.environ.get('OPENBLAS_CORETYPE'),
        'params': sum(t.numel() for t in model.parameters()),
        'batch': n,
        'fwdbwdIps': fwdbwd_ips,
        'fwdbwdStepsPerRep': steps,
        'inferIps': infer_ips,
        'latencyMs': 1000.0 / per_s,
    }))


if __name__ == '__main__':
    main()
