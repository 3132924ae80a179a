"""The production MLP, in PyTorch, on the same rows: the baseline of bench/train (run.ts).

Reads <dir>/x.f32 (rows x features, float32), <dir>/y.f32 and <dir>/meta.json, trains
input -> 32 ReLU -> 16 ReLU -> 1 sigmoid with Adam (same learning rate), binary cross-entropy
weighted like class_weight in TF.js, the same batch size, no shuffling (the rows come shuffled
with the seed TF.js used), for the same number of epochs. Prints one JSON line per thread count.
"""
import json
import sys
import time

import numpy as np
import torch

directory = sys.argv[1]
meta = json.load(open(f"{directory}/meta.json"))
rows, width = meta["rows"], meta["width"]
x = torch.from_numpy(np.fromfile(f"{directory}/x.f32", dtype=np.float32).reshape(rows, width))
y = torch.from_numpy(np.fromfile(f"{directory}/y.f32", dtype=np.float32).reshape(rows, 1))
positive_weight = float(meta["positiveWeight"])

for threads in meta["threads"]:
    torch.set_num_threads(threads)
    torch.manual_seed(meta["seed"])
    layers, previous = [], width
    for units in meta["hidden"]:
        layers += [torch.nn.Linear(previous, units), torch.nn.ReLU()]
        previous = units
    model = torch.nn.Sequential(*layers, torch.nn.Linear(previous, 1), torch.nn.Sigmoid())
    optimizer = torch.optim.Adam(model.parameters(), lr=meta["learningRate"])
    batch = meta["batchSize"]
    started = time.perf_counter()
    for _ in range(meta["epochs"]):
        for start in range(0, rows, batch):
            xb, yb = x[start:start + batch], y[start:start + batch]
            weights = 1 + (positive_weight - 1) * yb
            loss = torch.nn.functional.binary_cross_entropy(model(xb), yb, weight=weights)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    seconds = time.perf_counter() - started
    print(json.dumps({"threads": threads, "seconds": seconds, "samplesPerSecond": rows * meta["epochs"] / seconds, "torch": torch.__version__}))
