"""One LSTM training step: ddl (numpy) vs PyTorch on the CPU.

A step is: forward through a sequence ``(T, n_x, m)``, a dense head on the last
hidden state, mean squared error, backpropagation through time, one Adam
update.  Same sizes, same dtype, same number of threads for numpy's BLAS (via
threadpoolctl) and for torch.  Prints the best time of several repeats
(run alternately) for each and the ratio ``speed(ddl) / speed(torch) = t_torch / t_ddl``.

    python benchmarks/lstm_vs_torch.py [--threads 1 2] [--dtype float64 float32]
"""

from __future__ import annotations

import argparse

import numpy as np
import torch
from timing import side_by_side

from ddl.losses import MeanSquaredError
from ddl.network import Network
from ddl.optimisers import Adam
from ddl.recurrent import LSTMCell, many_to_one

SIZES = [
    # (T, n_x, n_a, m)
    (30, 2, 16, 64),  # the adding problem of the tests
    (50, 32, 128, 64),
    (100, 50, 128, 32),  # IMDB-like: 100 words of 50-d vectors, 128 units
]


def bench(size, threads, dtype, repeats):
    T, n_x, n_a, m = size
    rng = np.random.default_rng(0)
    np_dtype = np.dtype(dtype)
    X = rng.standard_normal((T, n_x, m)).astype(np_dtype)
    Y = rng.standard_normal((1, m)).astype(np_dtype)

    net = Network(many_to_one(LSTMCell(n_x, n_a, rng, dtype=np_dtype), 1, rng, dtype=np_dtype))
    loss, adam = MeanSquaredError(), Adam(1e-3)

    def ddl_step():
        Z = net.forward(X)
        loss.cost(Z, Y)
        net.backward(loss.gradient(Z, Y))
        adam.step(net.parameters(), net.gradients())

    torch_dtype = getattr(torch, dtype)
    lstm = torch.nn.LSTM(n_x, n_a).to(torch_dtype)
    head = torch.nn.Linear(n_a, 1).to(torch_dtype)
    opt = torch.optim.Adam(list(lstm.parameters()) + list(head.parameters()), lr=1e-3)
    Xt = torch.tensor(X.transpose(0, 2, 1).copy())
    Yt = torch.tensor(Y.T.copy())

    def torch_step():
        opt.zero_grad()
        out, _ = lstm(Xt)
        cost = 0.5 * ((head(out[-1]) - Yt) ** 2).mean()
        cost.backward()
        opt.step()

    return side_by_side(ddl_step, torch_step, threads, repeats)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--dtype", nargs="+", default=["float64", "float32"])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    print(f"numpy {np.__version__}, torch {torch.__version__}")
    print(
        f"{'size (T, n_x, n_a, m)':24s} {'dtype':8s} {'thr':>3s} "
        f"{'ddl ms':>9s} {'torch ms':>9s} {'speed ratio':>11s}"
    )
    for dtype in args.dtype:
        for threads in args.threads:
            for size in SIZES:
                t_ddl, t_torch = bench(size, threads, dtype, args.repeats)
                print(
                    f"{size!s:24s} {dtype:8s} {threads:3d} {1e3 * t_ddl:9.2f} "
                    f"{1e3 * t_torch:9.2f} {t_torch / t_ddl:11.2f}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
