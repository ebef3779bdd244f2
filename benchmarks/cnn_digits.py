"""How long the series' small CNN takes to reach its held-out accuracy on the 8×8 digits.

The goal (trained in under a minute on two cores) is a speed goal, so it is measured here,
not asserted in a test. Prints, per seed: training seconds, epochs, held-out accuracy.

    python benchmarks/cnn_digits.py [--seeds 0 1 2] [--epochs 15]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from ddl.cnn import small_cnn
from ddl.data import load_multiclass, one_hot, train_val_test_split
from ddl.losses import CategoricalCrossEntropy
from ddl.metrics import accuracy
from ddl.optimisers import Adam
from ddl.training import evaluate, train


def digits(rng):
    X, y = load_multiclass()
    return train_val_test_split(X / 16.0, one_hot(y, 10), rng)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--epochs", type=int, default=15)
    args = parser.parse_args()
    print(f"{'seed':>4} {'seconds':>8} {'epochs':>6} {'test accuracy':>13}")
    for seed in args.seeds:
        rng = np.random.default_rng(seed)
        data = digits(rng)
        net = small_cnn(rng)
        loss = CategoricalCrossEntropy()
        start = time.perf_counter()
        train(net, loss, Adam(2e-3), data, epochs=args.epochs, batch_size=32, rng=rng)
        seconds = time.perf_counter() - start
        score = evaluate(net, loss, data.X_test, data.Y_test, {"accuracy": accuracy})["accuracy"]
        print(f"{seed:>4} {seconds:>8.1f} {args.epochs:>6} {score:>13.3f}")


if __name__ == "__main__":
    main()
