#!/usr/bin/env python3
"""Fine-tunes fixtures of scripts/onnx-fixtures.py in PyTorch, in float64, and prints the losses.

usage: finetune_replay.py scripts/onnx-fixtures.py FIXTURE_DIR CONFIG.json

CONFIG lists models: {name, input (flat list), shape, int64, labels, labelShape, lr, steps}. Each model is
built as the fixture script builds it, given the state_dict it saved (FIXTURE_DIR/NAME.pt), cast
to float64 and kept in eval mode (the ONNX export is of eval mode: no dropout, BatchNorm folded;
NAME_train, exported for training, in train mode),
then trained with torch.optim.SGD (no momentum, no weight decay) on the cross-entropy of its
output against the labels, `steps` times on the same batch. Prints one JSON line:
{name: [loss before each step]}.
"""
import importlib.util
import json
import os
import sys

import torch


def fixtures_module(path):
    spec = importlib.util.spec_from_file_location('onnx_fixtures', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main():
    fixtures, out, config = fixtures_module(sys.argv[1]), sys.argv[2], json.load(open(sys.argv[3]))
    torch.set_num_threads(1)
    result = {}
    for m in config['models']:
        base = m['name'].partition('_opset')[0]
        train = base.endswith('_train')
        net = fixtures.build(base[:-len('_train')] if train else base)
        net.load_state_dict(torch.load(os.path.join(out, m['name'] + '.pt')))
        # NAME_train was exported for training: BatchNorm normalizes with the batch's statistics
        net = net.double().train(train)
        x = torch.tensor(m['input'], dtype=torch.long if m['int64'] else torch.float64).reshape(m['shape'])
        y = torch.tensor(m['labels'], dtype=torch.long).reshape(m['labelShape'])
        opt = torch.optim.SGD(net.parameters(), lr=m['lr'])
        losses = []
        for _ in range(m['steps']):
            loss = torch.nn.functional.cross_entropy(net(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
        result[m['name']] = losses
    print(json.dumps(result))


if __name__ == '__main__':
    main()
