"""PyTorch reference for Cortado's LeNet training throughput on CUDA (run by scripts/gpu-check.mjs).

Caffe's MNIST LeNet (conv 20 5x5, max-pool 2/2, conv 50 5x5, max-pool 2/2, fc 500 + ReLU, fc 10,
softmax loss), SGD with momentum 0.9 and weight decay 5e-4, plain fp32 (TF32 off), eager mode,
synthetic data resident on the GPU. Prints one line per batch size and a final JSON line:
  PYTORCH {"64": images_per_s, "256": ..., "1024": ...}

usage: python3 scripts/gpu_pytorch_lenet.py [--batches 64,256,1024] [--seconds 2]
"""
import argparse
import json
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batches", default="64,256,1024")
    ap.add_argument("--seconds", type=float, default=2.0, help="timed seconds per batch size")
    args = ap.parse_args()

    import torch
    import torch.nn as nn

    if not torch.cuda.is_available():
        print("PYTORCH_ERROR no CUDA device visible to PyTorch")
        sys.exit(1)
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cudnn.benchmark = True
    dev = torch.device("cuda")
    print(f"pytorch {torch.__version__}, cuDNN {torch.backends.cudnn.version()}, {torch.cuda.get_device_name(0)}")

    results = {}
    for batch in [int(b) for b in args.batches.split(",")]:
        torch.manual_seed(1)
        net = nn.Sequential(
            nn.Conv2d(1, 20, 5), nn.MaxPool2d(2, 2),
            nn.Conv2d(20, 50, 5), nn.MaxPool2d(2, 2),
            nn.Flatten(), nn.Linear(800, 500), nn.ReLU(), nn.Linear(500, 10),
        ).to(dev)
        opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
        loss_fn = nn.CrossEntropyLoss()
        batches = 4
        images = torch.rand(batches, batch, 1, 28, 28, device=dev)
        labels = torch.randint(0, 10, (batches, batch), device=dev)

        def step(i):
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(net(images[i % batches]), labels[i % batches])
            loss.backward()
            opt.step()
            return loss

        for i in range(30):
            step(i)
        torch.cuda.synchronize()
        iters, start = 0, time.perf_counter()
        while True:
            for _ in range(20):
                step(iters)
                iters += 1
            torch.cuda.synchronize()
            elapsed = time.perf_counter() - start
            if elapsed >= args.seconds:
                break
        rate = iters * batch / elapsed
        results[str(batch)] = round(rate)
        print(f"pytorch lenet training, batch {batch}: {rate:,.0f} images/s ({iters} iterations in {elapsed:.2f} s)")
    print("PYTORCH " + json.dumps(results))


if __name__ == "__main__":
    main()
