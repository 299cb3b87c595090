"""Writes torchvision networks with random weights as ONNX files for Cortado's import tests.

usage: python3 scripts/onnx-fixtures.py OUT_DIR [NAME ...]

For each network NAME (a torchvision model; convnext_mini: torchvision's ConvNeXt with three
stages of 16, 32 and 64 channels, two blocks each, layer scale 0.5; vit_mini: its
VisionTransformer with 16x16 patches, 2 layers, 2 heads, width 32, MLP 64; text_transformer: see
TextTransformer; padded_text: see PaddedText (and OUT_DIR/padded_text.pad.bin, its mask); ids_padded_text: see
IdsPaddedText;
causal_lm: see CausalLM; mnist_logsoftmax: see MnistLogSoftmax (input 1x1x28x28); unet_mini: see UNetMini; swin_mini: torchvision's SwinTransformer with 4x4 patches of width 24, two
stages of two blocks (2 and 4 heads), 4x4 windows (shifted by 2: the attention mask), 10 classes; lstm_classifier, bilstm_tagger, gru_classifier, rnn_classifier: see
RecurrentText (the text models read token ids [2, 12]); NAME_opsetK: NAME exported at opset K
instead of 17; NAME_train: NAME exported for training (TrainingMode.TRAINING, no constant folding:
BatchNorm kept as BatchNormalization with training_mode 1); by default resnet18, squeezenet1_1, googlenet, mobilenet_v2) writes
OUT_DIR/NAME.onnx (torch.onnx.export, opset 17 unless named, do_constant_folding=True, eval mode,
input 1x3x64x64), OUT_DIR/NAME.input.bin and OUT_DIR/NAME.torch.bin (the input and PyTorch's
output, float32 little-endian) and OUT_DIR/NAME.pt (the module's state_dict). Needs python3-torch, python3-torchvision (Debian's packages will
do).
"""
import copy
import sys

import torch
import torchvision

SIZE = 64
# the models that read token ids [2, 12]
TOKENS = ('text_transformer', 'padded_text', 'ids_padded_text', 'causal_lm', 'lstm_classifier', 'bilstm_tagger', 'gru_classifier', 'rnn_classifier')


class TextTransformer(torch.nn.Module):
    """A text classifier: nn.Embedding (100 tokens, width 32), a learned position embedding for
    12 tokens, nn.TransformerEncoder (2 layers, 2 heads, feed-forward 64, GELU), the mean over
    the sequence, a linear head of 5."""

    def __init__(self):
        super().__init__()
        self.emb = torch.nn.Embedding(100, 32)
        self.pos = torch.nn.Parameter(torch.randn(1, 12, 32) * 0.1)
        layer = torch.nn.TransformerEncoderLayer(32, 2, 64, dropout=0.0, batch_first=True, activation='gelu')
        self.enc = torch.nn.TransformerEncoder(layer, 2)
        self.head = torch.nn.Linear(32, 5)

    def forward(self, ids):
        return self.head(self.enc(self.emb(ids) + self.pos).mean(1))


class PaddedText(TextTransformer):
    """TextTransformer reading a second input, pad (bool [2, 12], True at padding), as the
    encoder's src_key_padding_mask: PyTorch writes it as a Where choosing -inf."""

    def __init__(self):
        super().__init__()
        # the math the exporter writes: no nested tensors (which zero the padded positions)
        self.enc.enable_nested_tensor = False

    def forward(self, ids, pad):
        return self.head(self.enc(self.emb(ids) + self.pos, src_key_padding_mask=pad).mean(1))


class IdsPaddedText(PaddedText):
    """PaddedText computing its mask from the ids (token 0 pads): the exporter writes `ids == 0` as
    an Equal, which the Where reads."""

    def forward(self, ids):
        return super().forward(ids, ids == 0)


class CausalLM(TextTransformer):
    """TextTransformer with a causal mask (each token attends to those before it, the mask's -inf
    above the diagonal an initializer) and a head of 100 on every token: a GPT-style language
    model."""

    def __init__(self):
        super().__init__()
        self.head = torch.nn.Linear(32, 100)
        self.register_buffer('causal', torch.nn.Transformer.generate_square_subsequent_mask(12))

    def forward(self, ids):
        return self.head(self.enc(self.emb(ids) + self.pos, mask=self.causal))


class RecurrentText(torch.nn.Module):
    """nn.Embedding (100 tokens, width 16) into nn.LSTM, nn.GRU or nn.RNN (batch_first, hidden
    24) and a linear head of 5. lstm_classifier: 2 LSTM layers, the head on the last layer's final
    hidden state (h_n); bilstm_tagger: one bidirectional LSTM layer, the head on every token's two
    states; gru_classifier: 2 bidirectional GRU layers, the head on the mean of the states over
    time; rnn_classifier: 2 bidirectional ReLU RNN layers, the head on h_n's last entry (the second
    layer's backward direction)."""

    def __init__(self, cell, layers, bidirectional, readout):
        super().__init__()
        self.emb = torch.nn.Embedding(100, 16)
        self.rnn = cell(16, 24, num_layers=layers, batch_first=True, bidirectional=bidirectional)
        self.head = torch.nn.Linear(48 if bidirectional and readout != 'last' else 24, 5)
        self.readout = readout

    def forward(self, ids):
        y, h = self.rnn(self.emb(ids))
        if self.readout == 'last':
            return self.head((h[0] if isinstance(h, tuple) else h)[-1])
        return self.head(y.mean(1) if self.readout == 'mean' else y)


class MnistLogSoftmax(torch.nn.Module):
    """The usual PyTorch MNIST classifier, whose forward ends in log_softmax (trained with
    nll_loss): two 3x3 convolutions (32 and 64 channels) with ReLUs, a 2x2 max pooling, dropout,
    a linear layer of 128 with ReLU, dropout, a linear layer of 10, log-probabilities."""

    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(1, 32, 3)
        self.conv2 = torch.nn.Conv2d(32, 64, 3)
        self.drop1 = torch.nn.Dropout(0.25)
        self.drop2 = torch.nn.Dropout(0.5)
        self.fc1 = torch.nn.Linear(9216, 128)
        self.fc2 = torch.nn.Linear(128, 10)

    def forward(self, x):
        x = torch.relu(self.conv2(torch.relu(self.conv1(x))))
        x = self.drop1(torch.nn.functional.max_pool2d(x, 2))
        x = self.drop2(torch.relu(self.fc1(torch.flatten(x, 1))))
        return torch.nn.functional.log_softmax(self.fc2(x), dim=1)


class UNetMini(torch.nn.Module):
    """A small U-Net-like segmenter: two 3x3 convolutions (16 channels), a 2x2 max pooling, a
    3x3 convolution of 32, nn.Upsample(scale_factor=2) (nearest) back to full size, concatenated
    with the skip connection, a 3x3 convolution of 16, a 1x1 convolution to 3 classes per pixel,
    then F.interpolate by (1, 2) in height and width, and the classes' scores per pixel."""

    def __init__(self):
        super().__init__()
        self.down = torch.nn.Sequential(torch.nn.Conv2d(3, 16, 3, padding=1), torch.nn.ReLU(), torch.nn.Conv2d(16, 16, 3, padding=1), torch.nn.ReLU())
        self.mid = torch.nn.Sequential(torch.nn.MaxPool2d(2), torch.nn.Conv2d(16, 32, 3, padding=1), torch.nn.ReLU(), torch.nn.Upsample(scale_factor=2))
        self.up = torch.nn.Sequential(torch.nn.Conv2d(48, 16, 3, padding=1), torch.nn.ReLU(), torch.nn.Conv2d(16, 3, 1))

    def forward(self, x):
        skip = self.down(x)
        y = self.up(torch.cat([self.mid(skip), skip], 1))
        return torch.nn.functional.interpolate(y, scale_factor=(1, 2), mode='nearest')


def build(name):
    if name == 'unet_mini':
        return UNetMini()
    if name == 'mnist_logsoftmax':
        return MnistLogSoftmax()
    if name == 'lstm_classifier':
        return RecurrentText(torch.nn.LSTM, 2, False, 'last')
    if name == 'bilstm_tagger':
        return RecurrentText(torch.nn.LSTM, 1, True, 'every')
    if name == 'gru_classifier':
        return RecurrentText(torch.nn.GRU, 2, True, 'mean')
    if name == 'rnn_classifier':
        return RecurrentText(lambda *a, **k: torch.nn.RNN(*a, nonlinearity='relu', **k), 2, True, 'last')
    if name == 'convnext_mini':
        from torchvision.models.convnext import ConvNeXt, CNBlockConfig
        stages = [CNBlockConfig(16, 32, 2), CNBlockConfig(32, 64, 2), CNBlockConfig(64, None, 2)]
        return ConvNeXt(stages, layer_scale=0.5, num_classes=10)
    if name == 'text_transformer':
        return TextTransformer()
    if name == 'causal_lm':
        return CausalLM()
    if name == 'ids_padded_text':
        return IdsPaddedText()
    if name == 'padded_text':
        return PaddedText()
    if name == 'swin_mini':
        from torchvision.models.swin_transformer import SwinTransformer
        return SwinTransformer(patch_size=[4, 4], embed_dim=24, depths=[2, 2], num_heads=[2, 4], window_size=[4, 4], num_classes=10)
    if name == 'vit_mini':
        from torchvision.models.vision_transformer import VisionTransformer
        net = VisionTransformer(image_size=SIZE, patch_size=16, num_layers=2, num_heads=2, hidden_dim=32, mlp_dim=64, num_classes=10)
        # zeros at initialization, which would make the output 0 whatever the input
        torch.nn.init.normal_(net.class_token, std=0.5)
        torch.nn.init.normal_(net.heads.head.weight, std=0.2)
        return net
    if name == 'googlenet':
        return torchvision.models.googlenet(weights=None, aux_logits=False, init_weights=True, num_classes=10)
    return getattr(torchvision.models, name)(weights=None, num_classes=10)


def main():
    out = sys.argv[1]
    names = sys.argv[2:] or ['resnet18', 'squeezenet1_1', 'googlenet', 'mobilenet_v2']
    torch.manual_seed(0)
    for name in names:
        base, _, opset = name.partition('_opset')
        # NAME_train: exported for training (TrainingMode.TRAINING, nothing folded): BatchNorm stays
        # a BatchNormalization node with training_mode 1 instead of being folded into the Conv.
        base, train = (base[:-len('_train')], True) if base.endswith('_train') else (base, False)
        net = build(base).eval()
        # Random, non-trivial statistics so that BatchNorm matters (folded into Conv on export),
        # and LayerNorm scales and shifts as training leaves them.
        for m in net.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.uniform_(-0.1, 0.1)
                m.running_var.uniform_(0.5, 1.5)
            if isinstance(m, torch.nn.LayerNorm):
                m.weight.data.uniform_(0.5, 1.5)
                m.bias.data.uniform_(-0.2, 0.2)
        # the text models read token ids [2, 12] (int64; the .input.bin holds them as float32)
        x = torch.randint(0, 100, (2, 12)) if base in TOKENS else torch.rand(*(1, 1, 28, 28) if base == 'mnist_logsoftmax' else (1, 3, SIZE, SIZE))
        inputs, names = (x,), ['input']
        if base == 'ids_padded_text':
            # token 0 pads: the first sequence after 9 tokens, the second after 11, none before
            x = torch.randint(1, 100, (2, 12))
            x[0, 9:] = 0
            x[1, 11:] = 0
            inputs = (x,)
        if base == 'padded_text':
            # the first sequence padded after 9 tokens, the second after 11
            pad = torch.zeros(2, 12, dtype=torch.bool)
            pad[0, 9:] = True
            pad[1, 11:] = True
            inputs, names = (x, pad), ['input', 'pad']
            pad.numpy().astype('<f4').tofile(f'{out}/{name}.pad.bin')
        # with gradients on, PyTorch skips its inference fast path and computes as exported
        y = net(*inputs).detach()
        # The batch axis of the transformer and of the recurrent classifiers is symbolic, as when
        # exported for any batch size: its shape arithmetic then folds at the batch size importOnnx
        # is given.
        dynamic = {'input': {0: 'N'}, 'output': {0: 'N'}} if base in ('vit_mini', 'lstm_classifier', 'gru_classifier', 'rnn_classifier') else None
        # the state before the export, which traces a training-mode graph through forward (updating
        # BatchNorm's running statistics)
        state = copy.deepcopy(net.state_dict())
        torch.onnx.export(net, inputs, f'{out}/{name}.onnx', opset_version=int(opset or 17), do_constant_folding=not train,
                          training=torch.onnx.TrainingMode.TRAINING if train else torch.onnx.TrainingMode.EVAL,
                          input_names=names, output_names=['output'], dynamic_axes=dynamic)
        x.numpy().astype('<f4').tofile(f'{out}/{name}.input.bin')  # ids as floats, as Cortado's Embed reads them
        torch.save(state, f'{out}/{name}.pt')  # for test/io/onnx/finetune_replay.py
        y.numpy().astype('<f4').tofile(f'{out}/{name}.torch.bin')
        print(name, tuple(y.shape))


if __name__ == '__main__':
    main()
