#!/usr/bin/env python3
"""PyTorch peer of bench/char-rnn: examples/char-rnn's model with torch.nn.LSTM (or GRU), one JSON line.

The same model (Embedding V -> E, one-layer LSTM or GRU H, Linear H -> V), the same data order as
Cortado's SequenceData (N streams, each a contiguous segment of the training ids, T-step windows,
state carried across windows and reset when every stream starts again), the same solver (Adam,
lr 2e-3, betas 0.9/0.999, global gradient norm clipped to 5), the same held-out bits per
character (a fresh zero state, every window of the held-out ids once). Initialisation is
PyTorch's default, not Cortado's. Reads the ids and sizes from a JSON file written by run.ts.
"""
import json
import math
import sys
import time

import torch


def windows(ids, T, N):
    """Yields (x, y, start) batches [T, N] forever, as SequenceData serves them."""
    S = (len(ids) - 1) // N
    base = torch.arange(N) * S
    p = 0
    while True:
        if p + T > S:
            p = 0
        idx = base[None, :] + p + torch.arange(T)[:, None]
        yield ids[idx], ids[idx + 1], p == 0
        p += T


class CharRnn(torch.nn.Module):
    def __init__(self, V, E, H, cell):
        super().__init__()
        self.embed = torch.nn.Embedding(V, E)
        self.lstm = (torch.nn.GRU if cell == 'GRU' else torch.nn.LSTM)(E, H)
        self.out = torch.nn.Linear(H, V)

    def forward(self, x, state):
        h, state = self.lstm(self.embed(x), state)
        return self.out(h), state


def bits_per_char(model, ids, T, N, V):
    N = max(1, min(N, (len(ids) - 1) // T))
    count = ((len(ids) - 1) // N) // T
    batches = windows(ids, T, N)
    state, total = None, 0.0
    with torch.no_grad():
        for _ in range(count):
            x, y, _ = next(batches)
            scores, state = model(x, state)
            total += torch.nn.functional.cross_entropy(scores.reshape(-1, V), y.reshape(-1)).item()
    return total / count / math.log(2)


def main():
    cfg = json.load(open(sys.argv[1]))
    torch.set_num_threads(cfg.get('threads', 2))
    torch.manual_seed(cfg.get('seed', 42))
    T, N, E, H, V = cfg['timeSteps'], cfg['streams'], cfg['embed'], cfg['hidden'], cfg['vocab']
    train = torch.tensor(cfg['train'], dtype=torch.long)
    held = torch.tensor(cfg['heldOut'], dtype=torch.long)
    model = CharRnn(V, E, H, cfg.get('cell', 'LSTM'))
    opt = torch.optim.Adam(model.parameters(), lr=2e-3, betas=(0.9, 0.999))
    batches = windows(train, T, N)
    state = None
    start = time.perf_counter()
    for _ in range(cfg['steps']):
        x, y, fresh = next(batches)
        if fresh:
            state = None
        elif state is not None:
            state = state.detach() if torch.is_tensor(state) else tuple(s.detach() for s in state)  # truncated BPTT
        scores, state = model(x, state)
        loss = torch.nn.functional.cross_entropy(scores.reshape(-1, V), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        opt.step()
    seconds = time.perf_counter() - start
    chars = cfg['steps'] * T * N
    print(json.dumps({'system': 'pytorch', 'torch': torch.__version__, 'threads': torch.get_num_threads(), 'seconds': seconds,
                      'charsPerSecond': chars / seconds, 'lastTrainLoss': loss.item() / math.log(2),
                      'heldOutBpc': bits_per_char(model, held, T, N, V)}))


if __name__ == '__main__':
    main()
