"""Keras models for `tfnids summary --model-file` (cmd/tfnids/modelfile_test.go).

Prints JSON {name: {"json": model.to_json(), "count_params": N}} for several
architectures: Sequential CNNs (pooling, dilation, normalization), a window
LSTM, a Bidirectional GRU, and functional models whose layers form one chain.
"""
import json
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras
from keras import layers, regularizers


def models():
    yield "seq_cnn", keras.Sequential([
        keras.Input(shape=(37, 1)),
        layers.Conv1D(64, 3, activation="relu"), layers.MaxPooling1D(),
        layers.BatchNormalization(), layers.Flatten(),
        layers.Dense(100, activation="relu"), layers.Dense(10, activation="softmax")])
    yield "seq_cnn_ln", keras.Sequential([
        keras.Input(shape=(20, 1)),
        layers.Conv1D(16, 5, padding="same", strides=2, kernel_regularizer=regularizers.L2(1e-3)),
        layers.Activation("gelu"), layers.AveragePooling1D(2), layers.LayerNormalization(axis=1),
        layers.Conv1D(8, 2, dilation_rate=2, activation="selu"), layers.GlobalMaxPooling1D(),
        layers.Dense(1, activation="sigmoid")])
    yield "seq_lstm", keras.Sequential([
        keras.Input(shape=(4, 12)),
        layers.LSTM(24, return_sequences=True, dropout=0.2, recurrent_dropout=0.1,
                    kernel_regularizer=regularizers.L1L2(l1=1e-4, l2=1e-3)),
        layers.LSTM(8), layers.Dropout(0.3), layers.Dense(5, activation="softmax")])
    yield "seq_bigru", keras.Sequential([
        keras.Input(shape=(3, 9)),
        layers.Bidirectional(layers.GRU(6, return_sequences=True, reset_after=False), merge_mode="sum"),
        layers.Bidirectional(layers.LSTM(4)), layers.Dense(3, activation="softmax")])
    inp = keras.Input(shape=(16,))
    x = layers.Dense(32, activation="leaky_relu")(inp)
    x = layers.Reshape((8, 4))(x)
    x = layers.Conv1D(6, 3, activation="swish")(x)
    x = layers.GlobalAveragePooling1D()(x)
    out = layers.Dense(4, activation="softmax")(x)
    yield "functional_chain", keras.Model(inp, out)


def main():
    out = {}
    for name, m in models():
        out[name] = {"json": m.to_json(), "count_params": int(m.count_params())}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
