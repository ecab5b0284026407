"""The seed LSTM in Keras on fold 1 of a shuffled stratified 5-fold split of
CIC-IDS2017 (improved): shows that l1(0.01) on every LSTM kernel and bias
drives the model to predict one class, in Keras as in tfnids.

Usage: keras_lstm.py L1_RATE DATA_DIR   (e.g. 0.01 ../shared/data/cicids2017-improved)"""
import glob, numpy as np, pandas as pd, time, sys
import keras
from keras import layers, regularizers
from sklearn.preprocessing import MinMaxScaler
from sklearn.model_selection import StratifiedKFold
files = sorted(glob.glob(sys.argv[2] + "/*.csv"))
df = pd.concat([pd.read_csv(f) for f in files], ignore_index=True)
df["Timestamp"] = pd.to_datetime(df["Timestamp"])
df = df.sort_values("Timestamp", kind="stable").reset_index(drop=True)
y = pd.factorize(df["Label"])[0]
X = df.drop(columns=["id","Flow ID","Src IP","Dst IP","Src Port","Dst Port","Timestamp","Label","Attempted Category"]).to_numpy(np.float64)
l1 = float(sys.argv[1])
skf = StratifiedKFold(5, shuffle=True, random_state=1)
tr, te = next(iter(skf.split(X, y)))
tr.sort(); te.sort()
sc = MinMaxScaler().fit(X[tr]); Xtr, Xte = sc.transform(X[tr]).astype(np.float32), sc.transform(X[te]).astype(np.float32)
def win(a, L=3): return np.stack([a[i:i+L] for i in range(len(a)-L+1)])
Wtr, Wte = win(Xtr), win(Xte); ytr, yte = y[tr][2:], y[te][2:]
reg = (lambda: regularizers.l1(l1)) if l1 > 0 else (lambda: None)
keras.utils.set_random_seed(1)
m = keras.Sequential([keras.Input((3, X.shape[1])),
  layers.LSTM(80, kernel_regularizer=reg(), recurrent_regularizer=reg(), bias_regularizer=reg(), return_sequences=True, dropout=0.2),
  layers.LSTM(20, kernel_regularizer=reg(), recurrent_regularizer=reg(), bias_regularizer=reg(), dropout=0.2),
  layers.Dense(100, activation="relu"), layers.Dense(16, activation="softmax")])
m.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
m.fit(Wtr, ytr, epochs=3, batch_size=256, shuffle=False, verbose=2)
p = m.predict(Wte, verbose=0).argmax(1)
from sklearn.metrics import f1_score
print("l1", l1, "test acc", (p==yte).mean(), "weighted f1", f1_score(yte, p, average="weighted"))
