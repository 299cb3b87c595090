#!/usr/bin/env python3
"""Replays a Cortado char-rnn training run in PyTorch, in float64, and prints what it computed.

Reads a JSON file written by char-rnn-pytorch.test.ts: the sizes, the cell (LSTM or GRU), Cortado's
initial weights, the windows each step saw (ids, next ids, cont) and the solver's settings. Builds
the same model from torch.nn modules (nn.Embedding plus the bias Caffe's Embed adds, nn.LSTM or
nn.GRU, nn.Linear), trains it on those windows with torch.optim.Adam (AdamW where the run decays
its weights), the state carried from window
to window (truncated back-propagation) and dropped where cont is 0, and prints one JSON line: the
loss of each step, the global gradient norm before clipping, and the weights after the last step,
in Cortado's layout.

Two things follow Caffe's formulas rather than PyTorch's helpers, on purpose, so that the two runs
can agree to float64 rounding: the gradients are clipped as Caffe clips them (scaled by
clip / norm when the norm exceeds clip; torch.nn.utils.clip_grad_norm_ divides by norm + 1e-6),
and the test sets Adam's epsilon so small that where it sits (Caffe adds it to sqrt(v) before the
bias correction, PyTorch after) does not show.
"""
import json
import sys

import torch


def gates(rows, order, H):
    """Rows of a [G·H, ...] tensor regrouped gate by gate: gate k of the result is gate order[k]."""
    return torch.cat([rows[g * H:(g + 1) * H] for g in order])


# Cortado's LSTM keeps the gates i, f, o, g; PyTorch's i, f, g, o.
LSTM_TO_TORCH = [0, 1, 3, 2]


def main():
    cfg = json.load(open(sys.argv[1]))
    torch.set_num_threads(1)
    torch.set_default_dtype(torch.float64)
    V, E, H, cell = cfg['vocab'], cfg['embed'], cfg['hidden'], cfg['cell']
    w = {k: torch.tensor(v, dtype=torch.float64) for k, v in cfg['weights'].items()}

    embed = torch.nn.Embedding(V, E)
    embed_bias = torch.nn.Parameter(torch.zeros(E))
    rnn = (torch.nn.LSTM if cell == 'LSTM' else torch.nn.GRU)(E, H)
    out = torch.nn.Linear(H, V)
    with torch.no_grad():
        embed.weight.copy_(w['embed___weight'].reshape(V, E))
        embed_bias.copy_(w['embed___bias'])
        out.weight.copy_(w['scores___weight'].reshape(V, H))
        out.bias.copy_(w['scores___bias'])
        if cell == 'LSTM':
            rnn.weight_ih_l0.copy_(gates(w['lstm___W_xc'].reshape(4 * H, E), LSTM_TO_TORCH, H))
            rnn.weight_hh_l0.copy_(gates(w['lstm___W_hc'].reshape(4 * H, H), LSTM_TO_TORCH, H))
            rnn.bias_ih_l0.copy_(gates(w['lstm___b_c'], LSTM_TO_TORCH, H))
            rnn.bias_hh_l0.zero_()
        else:
            rnn.weight_ih_l0.copy_(w['gru___W_x'].reshape(3 * H, E))
            rnn.weight_hh_l0.copy_(w['gru___W_h'].reshape(3 * H, H))
            rnn.bias_ih_l0.copy_(w['gru___b_x'])
            rnn.bias_hh_l0.copy_(w['gru___b_h'])
    if cell == 'LSTM':
        # Caffe's LSTM has one bias; PyTorch's second one stays at zero, out of the solver's reach.
        rnn.bias_hh_l0.requires_grad_(False)
    params = [embed.weight, embed_bias, *(p for p in rnn.parameters() if p.requires_grad), out.weight, out.bias]
    s = cfg['solver']
    if s.get('weightDecay', 0) > 0:
        # Cortado's regularization 'decoupled': the weights shrink by lr · weight_decay each step.
        opt = torch.optim.AdamW(params, lr=s['lr'], betas=(s['beta1'], s['beta2']), eps=s['epsilon'], weight_decay=s['weightDecay'])
    else:
        opt = torch.optim.Adam(params, lr=s['lr'], betas=(s['beta1'], s['beta2']), eps=s['epsilon'])

    T, N = cfg['timeSteps'], cfg['streams']
    state = None
    losses, norms = [], []
    for step in cfg['steps']:
        x = torch.tensor(step['char'], dtype=torch.long).reshape(T, N)
        y = torch.tensor(step['next'], dtype=torch.long).reshape(T, N)
        cont = torch.tensor(step['cont']).reshape(T, N)
        # PyTorch's modules carry a state between calls, not inside one: a window may restart its
        # streams only at its first step, all of them together (as SequenceData restarts them).
        if (cont[1:] != 1).any() or not ((cont[0] == 1).all() or (cont[0] == 0).all()):
            raise SystemExit(f'char_rnn_replay.py: cont {cont.tolist()} restarts streams inside a window; this replay cannot')
        if state is None or cont[0, 0] == 0:
            state = None
        else:
            state = state.detach() if torch.is_tensor(state) else tuple(t.detach() for t in state)
        h, state = rnn(embed(x) + embed_bias, state)
        loss = torch.nn.functional.cross_entropy(out(h).reshape(T * N, V), y.reshape(T * N))
        opt.zero_grad()
        loss.backward()
        norm = torch.sqrt(sum((p.grad * p.grad).sum() for p in params)).item()
        if s['clip'] is not None and norm > s['clip']:
            for p in params:
                p.grad.mul_(s['clip'] / norm)
        opt.step()
        losses.append(loss.item())
        norms.append(norm)

    def flat(t):
        return t.detach().reshape(-1).tolist()

    after = {'embed___weight': flat(embed.weight), 'embed___bias': flat(embed_bias),
             'scores___weight': flat(out.weight), 'scores___bias': flat(out.bias)}
    if cell == 'LSTM':
        back = [LSTM_TO_TORCH.index(g) for g in range(4)]
        after['lstm___W_xc'] = flat(gates(rnn.weight_ih_l0, back, H))
        after['lstm___W_hc'] = flat(gates(rnn.weight_hh_l0, back, H))
        after['lstm___b_c'] = flat(gates(rnn.bias_ih_l0, back, H))
    else:
        after.update({'gru___W_x': flat(rnn.weight_ih_l0), 'gru___W_h': flat(rnn.weight_hh_l0),
                      'gru___b_x': flat(rnn.bias_ih_l0), 'gru___b_h': flat(rnn.bias_hh_l0)})
    print(json.dumps({'torch': torch.__version__, 'losses': losses, 'norms': norms, 'weights': after}))


if __name__ == '__main__':
    main()
