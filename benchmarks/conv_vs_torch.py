"""Convolution forward + backward: ddl.conv.Conv2D (numpy, im2col) vs PyTorch on the CPU.

Same shapes, same dtype, same number of threads for numpy's BLAS (via
threadpoolctl) and for torch.  Prints the best time of several repeats
(run alternately) for each, and the ratio ``speed(ddl) / speed(torch) = t_torch / t_ddl``.

    python benchmarks/conv_vs_torch.py [--threads 1 2] [--dtype float64 float32]
"""

from __future__ import annotations

import numpy as np
import torch
from timing import compare_table, side_by_side

from ddl.conv import Conv2D

SHAPES = [
    # (m, C_in, H, W, C_out, f, stride, padding)
    (64, 1, 28, 28, 8, 3, 1, 1),  # first layer of an MNIST-sized CNN
    (64, 16, 16, 16, 32, 3, 1, 1),
    (32, 32, 32, 32, 64, 3, 1, 1),
    (64, 32, 16, 16, 32, 5, 2, 2),
]


def bench(shape, threads, dtype, repeats):
    m, C, H, W, K, f, s, p = shape
    rng = np.random.default_rng(0)
    np_dtype = np.dtype(dtype)
    torch_dtype = getattr(torch, dtype)
    layer = Conv2D(C, K, f, s, p, rng, dtype=np_dtype)
    X = rng.standard_normal((C, H, W, m)).astype(np_dtype)
    dZ = rng.standard_normal(layer.forward(X).shape).astype(np_dtype)

    def ddl_step():
        layer.forward(X)
        layer.backward(dZ)

    Xt = torch.tensor(X.transpose(3, 0, 1, 2).copy(), dtype=torch_dtype, requires_grad=True)
    Wt = torch.tensor(layer.params["W"], dtype=torch_dtype, requires_grad=True)
    bt = torch.zeros(K, dtype=torch_dtype, requires_grad=True)
    dZt = torch.tensor(dZ.transpose(3, 0, 1, 2).copy(), dtype=torch_dtype)

    def torch_step():
        Xt.grad = Wt.grad = bt.grad = None
        Z = torch.nn.functional.conv2d(Xt, Wt, bt, stride=s, padding=p)
        Z.backward(dZt)

    return side_by_side(ddl_step, torch_step, threads, repeats)


def main():
    compare_table(__doc__.splitlines()[0], SHAPES, "shape (m, C, H, W, K, f, s, p)", bench)


if __name__ == "__main__":
    main()
