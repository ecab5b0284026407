"""The seed's three models in PyTorch (eager, CPU), built to match the Keras
models of bench/keras/keras_models.py layer for layer (bench/peers, issue 17).

Matching Keras 3's defaults:

* initializers: kernels glorot_uniform (xavier_uniform_ has Keras' fan-in
  and fan-out for torch's transposed (out, in) and (out, in, k) layouts),
  recurrent kernels orthogonal (orthogonal_ on torch's (gates·units, units)
  is the transpose of Keras' (units, gates·units) orthogonal matrix), biases
  zero, the LSTM's forget-gate bias one (unit_forget_bias). Gate order: the
  LSTM's is i, f, g, o in both; torch's GRU orders r, z, n where Keras has
  z, r, h, which does not matter for i.i.d./orthogonal initial weights.
* LSTM: Keras has one bias per layer; torch's LSTM adds a second
  (bias_hh), which is frozen at zero here so that both compute the same
  function with the same trainable weights. Its dropout(0.2) is Keras':
  one input mask per sequence (the same for every time step), applied to
  each LSTM layer's input. l1(0.01) on kernel, recurrent kernel and bias of
  both LSTMs: penalty() returns the term Keras adds to the loss.
* GRU: Keras' GRU defaults to reset_after=True, with an input and a
  recurrent bias, which is torch's GRU cell; Dropout(0.2) after it.
* CNN: Conv1d over (N, C=1, L=features), the channels-first form of Keras'
  Conv1D on (N, features, 1); BatchNorm1d(momentum=0.01, eps=1e-3) is
  Keras' BatchNormalization(momentum=0.99, epsilon=1e-3) (torch's momentum
  weighs the new batch statistic). Flatten takes (C, L) instead of Keras'
  (L, C): a fixed permutation of the Dense layer's inputs.
* The head is Dense(classes) returning logits: CrossEntropyLoss applies the
  log-softmax that Keras' softmax + sparse_categorical_crossentropy
  compute; predict applies softmax.
"""
import torch
from torch import nn
from torch.nn import functional as F

L1 = 0.01
DROPOUT = 0.2


def _glorot(*mods):
    for m in mods:
        nn.init.xavier_uniform_(m.weight)
        nn.init.zeros_(m.bias)


class CNN(nn.Module):
    """Conv1D(64, 3, relu) → MaxPooling1D(2) → BatchNormalization → Flatten →
    Dense(100, relu) → Dense(classes), on (N, 1, features)."""

    def __init__(self, features, classes):
        super().__init__()
        self.conv = nn.Conv1d(1, 64, 3)
        self.pool = nn.MaxPool1d(2)
        self.bn = nn.BatchNorm1d(64, eps=1e-3, momentum=0.01)
        self.dense = nn.Linear(64 * ((features - 2) // 2), 100)
        self.head = nn.Linear(100, classes)
        _glorot(self.conv, self.dense, self.head)

    def forward(self, x):
        h = self.bn(self.pool(F.relu(self.conv(x))))
        return self.head(F.relu(self.dense(h.flatten(1))))

    def penalty(self):
        return None


def _init_recurrent(rnn, forget_bias):
    units = rnn.hidden_size
    for name, p in rnn.named_parameters():
        if name.startswith("weight_ih"):
            nn.init.xavier_uniform_(p)
        elif name.startswith("weight_hh"):
            nn.init.orthogonal_(p)
        elif name.startswith("bias"):
            nn.init.zeros_(p)
            if forget_bias and name.startswith("bias_ih"):
                with torch.no_grad():
                    p[units:2 * units] = 1.0  # gates i, f, g, o: the forget gate's bias


class LSTM(nn.Module):
    """LSTM(80, return_sequences, dropout, l1) → LSTM(20, dropout, l1) →
    Dense(100, relu) → Dense(classes), on windows (N, L, features)."""

    def __init__(self, features, classes, dropout=DROPOUT, l1=L1):
        super().__init__()
        self.dropout, self.l1 = dropout, l1
        self.lstm1 = nn.LSTM(features, 80, batch_first=True)
        self.lstm2 = nn.LSTM(80, 20, batch_first=True)
        for rnn in (self.lstm1, self.lstm2):
            _init_recurrent(rnn, forget_bias=True)
            rnn.bias_hh_l0.requires_grad_(False)  # Keras' LSTM has one bias
        self.dense = nn.Linear(20, 100)
        self.head = nn.Linear(100, classes)
        _glorot(self.dense, self.head)

    def _drop(self, x):
        # Keras' LSTM dropout: one mask per sequence and feature, the same at
        # every time step.
        if not self.training or self.dropout == 0:
            return x
        keep = 1.0 - self.dropout
        mask = torch.empty(x.shape[0], 1, x.shape[2], dtype=x.dtype).bernoulli_(keep).div_(keep)
        return x * mask

    def forward(self, x):
        h, _ = self.lstm1(self._drop(x))
        h, _ = self.lstm2(self._drop(h))
        return self.head(F.relu(self.dense(h[:, -1])))

    def penalty(self):
        if self.l1 == 0:
            return None
        ws = [p for rnn in (self.lstm1, self.lstm2) for p in rnn.parameters() if p.requires_grad]
        return self.l1 * sum(w.abs().sum() for w in ws)


class GRU(nn.Module):
    """GRU(80) → Dropout(0.2) → Dense(100, relu) → Dense(classes), on windows
    (N, L, features)."""

    def __init__(self, features, classes, dropout=DROPOUT):
        super().__init__()
        self.gru = nn.GRU(features, 80, batch_first=True)
        _init_recurrent(self.gru, forget_bias=False)
        self.drop = nn.Dropout(dropout)
        self.dense = nn.Linear(80, 100)
        self.head = nn.Linear(100, classes)
        _glorot(self.dense, self.head)

    def forward(self, x):
        h, _ = self.gru(x)
        return self.head(F.relu(self.dense(self.drop(h[:, -1]))))

    def penalty(self):
        return None


def build(name, features, classes):
    """The model `name` (cnn, lstm or gru)."""
    if name == "cnn":
        return CNN(features, classes)
    if name == "lstm":
        return LSTM(features, classes)
    if name == "gru":
        return GRU(features, classes)
    raise ValueError(f"unknown model {name!r}: want cnn, lstm or gru")


def count_params(model):
    """Trainable parameters plus batch-norm moving statistics, as Keras'
    count_params (the LSTM's frozen zero bias_hh is not one of Keras')."""
    n = sum(p.numel() for p in model.parameters() if p.requires_grad)
    n += sum(b.numel() for name, b in model.named_buffers() if name.endswith(("running_mean", "running_var")))
    return n
