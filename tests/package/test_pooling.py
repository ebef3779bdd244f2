"""Pooling and Flatten: forward against torch and by hand, backward against finite differences."""

import numpy as np
import pytest
import torch
from finite_differences import numerical_gradient, rel_error
from hypothesis import given, settings
from hypothesis import strategies as st

from ddl.pooling import AvgPool2D, Flatten, MaxPool2D, Unflatten

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


@pytest.mark.parametrize(
    "layer",
    [MaxPool2D(2), MaxPool2D(3, stride=2), AvgPool2D(2, stride=1), AvgPool2D(3), Flatten()],
    # fixed names: the layers print as their address, which differs between pytest workers
    ids=["max2", "max3-stride2", "avg2-stride1", "avg3", "flatten"],
)
@pytest.mark.parametrize("with_examples_axis", [False, True])
def test_output_shape_is_the_shape_forward_gives_one_example(layer, with_examples_axis):
    # output_shape takes (C, H, W) and ignores a trailing examples axis, like Conv2D's.
    X = np.random.default_rng(0).standard_normal((3, 7, 8, 4))
    shape = X.shape if with_examples_axis else X.shape[:3]
    assert layer.output_shape(shape) == layer.forward(X).shape[:-1]


@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize("f, s", [(2, 2), (3, 1), (2, 3)])
def test_pooling_keeps_float32_and_agrees_with_float64(kind, f, s):
    X = np.random.default_rng(f + s).standard_normal((2, 7, 8, 3))
    make = (lambda: MaxPool2D(f, s)) if kind == "max" else (lambda: AvgPool2D(f, s))
    pool32, pool64 = make(), make()
    A = pool32.forward(X.astype(np.float32))
    G = np.random.default_rng(0).standard_normal(A.shape)
    dX = pool32.backward(G.astype(np.float32))
    assert A.dtype == dX.dtype == np.float32
    np.testing.assert_allclose(A, pool64.forward(X), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(dX, pool64.backward(G), rtol=1e-5, atol=1e-6)


def test_pooling_layers_refuse_bad_settings_and_inputs_with_clear_messages():
    with pytest.raises(ValueError, match=r"^pool_size must be >= 1, got 0$"):
        MaxPool2D(0)
    with pytest.raises(ValueError, match=r"^stride must be >= 1, got 0$"):
        MaxPool2D(2, stride=0)
    with pytest.raises(ValueError, match=r"^pool_size must be an integer, got 2.0 \(float\)$"):
        AvgPool2D(2.0)
    with pytest.raises(ValueError, match=r"^pool_size must be an integer, got True \(bool\)$"):
        AvgPool2D(True)
    assert MaxPool2D(np.int64(2)).f == 2 and MaxPool2D(1).stride == 1
    with pytest.raises(ValueError, match="stride must be an integer"):
        AvgPool2D(2, stride=1.5)
    for layer in (MaxPool2D(2), AvgPool2D(2)):
        with pytest.raises(
            ValueError, match=r"pooling expects A_prev of shape \(channels, height, width, m\)"
        ):
            layer.forward(np.zeros((1, 4, 4)))
    assert MaxPool2D(3).stride == 3 and AvgPool2D(3, stride=1).stride == 1  # stride defaults to f


def test_unflatten_round_trip_and_clear_errors():
    X = np.random.default_rng(0).standard_normal((2 * 3 * 4, 5))
    layer = Unflatten([2, 3, 4])
    A = layer.forward(X)
    assert layer.image_shape == (2, 3, 4) and layer.output_shape((24,)) == (2, 3, 4)
    for i in range(5):  # row (c·H + h)·W + w of column i becomes pixel (c, h, w) of example i
        assert A[1, 2, 3, i] == X[(1 * 3 + 2) * 4 + 3, i]
    np.testing.assert_array_equal(layer.backward(A), X)
    assert layer.params == {} and layer.grads == {}
    with pytest.raises(
        ValueError, match=r"image_shape: expected \(channels, height, width\), got \(8, 8\)"
    ):
        Unflatten((8, 8))
    with pytest.raises(ValueError, match=r"A_prev: expected shape \(24, m\).*got \(24, 1, 5\)"):
        layer.forward(np.zeros((24, 1, 5)))


@pytest.mark.parametrize(
    ("make", "name"),
    [
        (lambda: MaxPool2D(2), "MaxPool2D"),
        (lambda: AvgPool2D(2), "AvgPool2D"),
        (lambda: Flatten(), "Flatten"),
        (lambda: Unflatten((1, 2, 2)), "Unflatten"),
    ],
    ids=["max", "avg", "flatten", "unflatten"],
)
def test_backward_before_forward_says_so(make, name):
    with pytest.raises(RuntimeError) as error:
        make().backward(np.zeros((4, 1)))
    assert str(error.value) == f"{name}.backward called before forward."
