"""Pooling backward passes against torch autograd, and Flatten/Unflatten against torch's
reshapes (the forward passes are checked against torch in test_pooling.py)."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from ddl.pooling import AvgPool2D, Flatten, MaxPool2D, Unflatten

SETTINGS = settings(max_examples=40, deadline=None)
F = torch.nn.functional


def to_torch(X):
    return torch.from_numpy(np.ascontiguousarray(X.transpose(3, 0, 1, 2)))


@st.composite
def pool_settings(draw):
    f = draw(st.integers(1, 3))
    stride = draw(st.integers(1, 3))
    H, W = draw(st.integers(f, 7)), draw(st.integers(f, 7))
    C, m = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    return C, H, W, f, stride, m, draw(st.integers(0, 2**32 - 1))


@pytest.mark.parametrize("kind", ["max", "avg"])
@given(setting=pool_settings())
@SETTINGS
def test_pooling_backward_matches_torch_autograd(kind, setting):
    # Overlapping windows (stride < f) included: their gradients add up in both.
    C, H, W, f, s, m, seed = setting
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((C, H, W, m))  # continuous values: no ties inside a window
    layer = MaxPool2D(f, s) if kind == "max" else AvgPool2D(f, s)
    A = layer.forward(X)
    G = rng.standard_normal(A.shape)
    dX = layer.backward(G)
    Xt = to_torch(X).requires_grad_(True)
    pool = F.max_pool2d if kind == "max" else F.avg_pool2d
    out = pool(Xt, f, s)
    np.testing.assert_allclose(A, out.detach().numpy().transpose(1, 2, 3, 0), rtol=1e-12)
    (out * to_torch(G)).sum().backward()
    np.testing.assert_allclose(dX, Xt.grad.numpy().transpose(1, 2, 3, 0), rtol=1e-12, atol=1e-12)


def test_max_pool_gives_a_tie_to_one_element_like_torch():
    # A window of equal values: one element (the first, row-major, in both) takes the gradient.
    X = np.ones((1, 2, 2, 1))
    pool = MaxPool2D(2)
    pool.forward(X)
    dX = pool.backward(np.full((1, 1, 1, 1), 3.0))
    Xt = to_torch(X).requires_grad_(True)
    F.max_pool2d(Xt, 2).sum().mul(3.0).backward()
    np.testing.assert_array_equal(dX, Xt.grad.numpy().transpose(1, 2, 3, 0))


@given(
    shape=st.tuples(st.integers(1, 3), st.integers(1, 4), st.integers(1, 4), st.integers(1, 4)),
    seed=st.integers(0, 2**32 - 1),
)
@SETTINGS
def test_flatten_and_unflatten_match_torch(shape, seed):
    C, H, W, m = shape
    rng = np.random.default_rng(seed)
    X = rng.standard_normal(shape)
    # torch: one example per row, features in (c, h, w) order; ddl: one example per column.
    flat = torch.flatten(to_torch(X), start_dim=1).numpy().T
    layer = Flatten()
    np.testing.assert_array_equal(layer.forward(X), flat)
    G = rng.standard_normal(flat.shape)
    np.testing.assert_array_equal(
        layer.backward(G),
        torch.from_numpy(G.T.copy()).unflatten(1, (C, H, W)).numpy().transpose(1, 2, 3, 0),
    )

    back = Unflatten((C, H, W))
    images = torch.from_numpy(flat.T.copy()).unflatten(1, (C, H, W)).numpy().transpose(1, 2, 3, 0)
    np.testing.assert_array_equal(back.forward(flat), images)
    np.testing.assert_array_equal(back.forward(flat), X)
    dImages = rng.standard_normal(X.shape)
    np.testing.assert_array_equal(
        back.backward(dImages), torch.flatten(to_torch(dImages), start_dim=1).numpy().T
    )
    assert back.output_shape((C * H * W,)) == (C, H, W)
