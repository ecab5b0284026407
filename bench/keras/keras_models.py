"""The seed's three Keras models (seed-pipeline.md 5), shared by the Keras
benchmarks (bench/keras/train_keras.py, bench/peers/run_keras.py).

Import it after TensorFlow's thread pools are configured (the environment
variables and tf.config.threading), since it imports Keras.
"""
import keras
from keras import layers, regularizers

L1 = 0.01  # the seed's LAMBD (commented "L2", passed to l1)
DROPOUT = 0.2


def build(name, features, classes, seq_len=3):
    """The seed's model `name` (cnn, lstm or gru), compiled as the seed does:
    "adam" (Keras' defaults), sparse_categorical_crossentropy, accuracy."""
    if name == "cnn":
        stack = [keras.Input((features, 1)), layers.Conv1D(64, 3, activation="relu"), layers.MaxPooling1D(2),
                 layers.BatchNormalization(), layers.Flatten(), layers.Dense(100, activation="relu")]
    elif name == "lstm":
        reg = dict(kernel_regularizer=regularizers.l1(L1), recurrent_regularizer=regularizers.l1(L1),
                   bias_regularizer=regularizers.l1(L1))
        stack = [keras.Input((seq_len, features)),
                 layers.LSTM(80, return_sequences=True, dropout=DROPOUT, **reg),
                 layers.LSTM(20, dropout=DROPOUT, **reg),
                 layers.Dense(100, activation="relu")]
    elif name == "gru":
        stack = [keras.Input((seq_len, features)), layers.GRU(80), layers.Dropout(DROPOUT),
                 layers.Dense(100, activation="relu")]
    else:
        raise ValueError(f"unknown model {name!r}: want cnn, lstm or gru")
    model = keras.Sequential(stack + [layers.Dense(classes, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model
