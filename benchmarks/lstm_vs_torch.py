"""One LSTM training step: ddl (numpy) vs PyTorch on the CPU.

A step is: forward through a sequence ``(T, n_x, m)``, a dense head on the last
hidden state, mean squared error, backpropagation through time, one Adam
update.  Same sizes, same dtype, same number of threads for numpy's BLAS (via
threadpoolctl) and for torch.  Prints the best time of several repeats
(run alternately) for each and the ratio ``speed(ddl) / speed(torch) = t_torch / t_ddl``.

    python benchmarks/lstm_vs_torch.py [--threads 1 2] [--dtype float64 float32]
"""

from __future__ import annotations

import numpy as np
import torch
from timing import compare_table, side_by_side

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
    compare_table(__doc__.splitlines()[0], SIZES, "size (T, n_x, n_a, m)", bench)


if __name__ == "__main__":
    main()
