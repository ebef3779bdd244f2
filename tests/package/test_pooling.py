"""Pooling and Flatten: forward against torch and by hand, backward against finite differences."""

import numpy as np
import pytest
import torch
from finite_differences import numerical_gradient, rel_error
from hypothesis import given, settings
from hypothesis import strategies as st

from ddl.pooling import AvgPool2D, Flatten, MaxPool2D

SETTINGS = settings(max_examples=25, deadline=None)


@st.composite
def pool_settings(draw):
    f = draw(st.integers(1, 3))
    stride = draw(st.integers(1, 3))
    H = draw(st.integers(f, 7))
    W = draw(st.integers(f, 7))
    C = draw(st.integers(1, 3))
    m = draw(st.integers(1, 3))
    seed = draw(st.integers(0, 2**32 - 1))
    return C, H, W, f, stride, m, seed


def to_torch(X):
    return torch.from_numpy(X.transpose(3, 0, 1, 2).copy())


def from_torch(T):
    return T.detach().numpy().transpose(1, 2, 3, 0)


@given(pool_settings(), st.sampled_from(["max", "avg"]))
@SETTINGS
def test_forward_matches_torch(setting, kind):
    C, H, W, f, s, m, seed = setting
    X = np.random.default_rng(seed).standard_normal((C, H, W, m))
    layer = MaxPool2D(f, s) if kind == "max" else AvgPool2D(f, s)
    A = layer.forward(X)
    pool = torch.nn.functional.max_pool2d if kind == "max" else torch.nn.functional.avg_pool2d
    np.testing.assert_allclose(A, from_torch(pool(to_torch(X), f, s)), rtol=1e-12, atol=1e-12)
    assert A.shape[:3] == layer.output_shape(X.shape)


@given(pool_settings(), st.sampled_from(["max", "avg"]))
@SETTINGS
def test_backward_matches_finite_differences(setting, kind):
    C, H, W, f, s, m, seed = setting
    rng = np.random.default_rng(seed)
    X = rng.standard_normal(
        (C, H, W, m)
    )  # continuous values: no ties in a window, max is differentiable
    layer = MaxPool2D(f, s) if kind == "max" else AvgPool2D(f, s)
    G = rng.standard_normal(layer.forward(X).shape)

    def J():
        return np.sum(G * layer.forward(X)) / m

    layer.forward(X)
    dX = layer.backward(G)
    assert rel_error(dX, m * numerical_gradient(J, X)) < 1e-6


def test_max_mask_by_hand():
    X = np.array(
        [[1.0, 3.0, 2.0, 0.0], [4.0, 2.0, 1.0, 5.0], [0.0, 0.0, 9.0, 1.0], [7.0, 0.0, 1.0, 1.0]]
    )
    X = X[None, :, :, None]
    pool = MaxPool2D(2)
    np.testing.assert_array_equal(pool.forward(X)[0, :, :, 0], [[4, 5], [7, 9]])
    dX = pool.backward(np.array([[10.0, 20.0], [30.0, 40.0]])[None, :, :, None])
    np.testing.assert_array_equal(
        dX[0, :, :, 0], [[0, 0, 0, 0], [10, 0, 0, 20], [0, 0, 40, 0], [30, 0, 0, 0]]
    )


def test_overlapping_max_windows_accumulate():
    # 2x3 input, window 2, stride 1: the element at (0, 1) is the max of both windows.
    X = np.zeros((1, 2, 3, 1))
    X[0, :, 1, 0] = [5.0, 4.0]
    pool = MaxPool2D(pool_size=2, stride=1)
    np.testing.assert_array_equal(pool.forward(X)[0, :, :, 0], [[5, 5]])
    dX = pool.backward(np.array([[[[1.0], [2.0]]]]))
    np.testing.assert_array_equal(dX[0, :, :, 0], [[0, 3, 0], [0, 0, 0]])


def test_avg_pool_backward_by_hand():
    pool = AvgPool2D(2)
    X = np.arange(16.0).reshape(1, 4, 4, 1)
    np.testing.assert_array_equal(pool.forward(X)[0, :, :, 0], [[2.5, 4.5], [10.5, 12.5]])
    dX = pool.backward(np.full((1, 2, 2, 1), 4.0))
    np.testing.assert_array_equal(dX, np.ones((1, 4, 4, 1)))


def test_flatten_round_trip_keeps_examples_on_last_axis():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((3, 4, 5, 6))
    flat = Flatten()
    A = flat.forward(X)
    assert A.shape == (60, 6)
    for i in range(6):  # each column is one example's image
        np.testing.assert_array_equal(A[:, i], X[..., i].ravel())
    np.testing.assert_array_equal(flat.backward(A), X)
    assert flat.output_shape((3, 4, 5)) == (60,)


def test_pooling_has_no_parameters_and_validates():
    assert MaxPool2D(2).params == {} and AvgPool2D(2).grads == {} and Flatten().params == {}
    with pytest.raises(ValueError, match="does not fit"):
        MaxPool2D(3).forward(np.zeros((1, 2, 2, 1)))
    with pytest.raises(ValueError, match="stride"):
        MaxPool2D(2, stride=0)
