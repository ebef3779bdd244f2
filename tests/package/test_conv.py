"""Convolution: output-size rule, forward against independent implementations,
backward against central finite differences, and the two ways of computing dX."""

import numpy as np
import pytest
import scipy.signal
import torch
from finite_differences import numerical_gradient, rel_error
from hypothesis import given, settings
from hypothesis import strategies as st

from ddl.conv import Conv2D, conv_backward, conv_backward_dX_full, conv_forward, conv_output_size

SETTINGS = settings(max_examples=25, deadline=None)


@st.composite
def conv_settings(draw, max_size=7):
    """A convolution setting that fits: channels, sizes, filter, stride, padding, m."""
    f = draw(st.integers(1, 4))
    padding = draw(st.integers(0, 2))
    stride = draw(st.integers(1, 3))
    H = draw(st.integers(max(1, f - 2 * padding), max_size))
    W = draw(st.integers(max(1, f - 2 * padding), max_size))
    C = draw(st.integers(1, 3))
    K = draw(st.integers(1, 3))
    m = draw(st.integers(1, 3))
    seed = draw(st.integers(0, 2**32 - 1))
    return C, K, H, W, f, stride, padding, m, seed


def rule(n, f, p, s):
    """The output-size rule, written out again here: 1 + floor((n - f + 2p) / s)."""
    return 1 + (n - f + 2 * p) // s


def assert_output_size(Z, setting):
    C, K, H, W, f, s, p, m, seed = setting
    assert Z.shape == (K, rule(H, f, p, s), rule(W, f, p, s), m)


# ---------------------------------------------------------------- output size


def count_positions(n, f, p, s):
    """Independent count: the top-left corners a filter can take in the padded input."""
    return len(range(0, n + 2 * p - f + 1, s))


@given(n=st.integers(1, 40), f=st.integers(1, 12), p=st.integers(0, 5), s=st.integers(1, 6))
@settings(max_examples=300, deadline=None)
def test_output_size_rule_every_setting(n, f, p, s):
    if f > n + 2 * p:
        with pytest.raises(ValueError, match="does not fit"):
            conv_output_size(n, f, p, s)
        return
    expected = count_positions(n, f, p, s)
    assert conv_output_size(n, f, p, s) == expected
    exact_ok = (n - f + 2 * p) % s == 0
    if exact_ok:
        assert conv_output_size(n, f, p, s, exact=True) == expected
    else:
        with pytest.raises(ValueError, match="stride"):
            conv_output_size(n, f, p, s, exact=True)


def test_output_size_textbook_values():
    assert conv_output_size(32, 5, 0, 1) == 28
    assert conv_output_size(32, 3, 1, 1) == 32  # "same" padding
    assert conv_output_size(7, 3, 0, 2) == 3
    assert conv_output_size(227, 11, 0, 4) == 55  # AlexNet's first layer
    assert conv_output_size(8, 2, 0, 2) == 4
    assert conv_output_size(32, 5) == 28  # defaults: no padding, stride 1
    assert conv_output_size(7, 3, stride=2) == 3 and conv_output_size(7, 3, padding=1) == 7


@pytest.mark.parametrize(
    "args, message",
    [
        ((5, 7, 0, 1), "does not fit"),
        ((5, 3, 0, 0), "stride must be >= 1"),
        ((5, 3, -1, 1), "padding must be >= 0"),
        ((5, 0, 0, 1), "f must be >= 1"),
        ((5.0, 3, 0, 1), "n must be an integer"),
        ((5, 3, 0, 1.5), "stride must be an integer"),
    ],
)
def test_output_size_clear_errors(args, message):
    with pytest.raises(ValueError, match=message):
        conv_output_size(*args)


@given(conv_settings(max_size=9))
@SETTINGS
def test_output_shape_matches_torch_and_the_rule(setting):
    C, K, H, W, f, s, p, m, seed = setting
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((C, H, W, m))
    layer = Conv2D(C, K, f, s, p, rng)
    Z = layer.forward(X)
    expected = (K, rule(H, f, p, s), rule(W, f, p, s), m)
    assert Z.shape == expected
    assert layer.output_shape((C, H, W)) == expected[:3]
    torch_out = torch.nn.functional.conv2d(
        torch.zeros(m, C, H, W), torch.zeros(K, C, f, f), stride=s, padding=p
    )
    assert tuple(torch_out.shape) == (m, *expected[:3])


# ---------------------------------------------------------------- forward


@given(conv_settings(max_size=9))
@SETTINGS
def test_forward_matches_torch_conv2d(setting):
    C, K, H, W, f, s, p, m, seed = setting
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((C, H, W, m))
    Wt = rng.standard_normal((K, C, f, f))
    b = rng.standard_normal((K, 1))
    Z, _ = conv_forward(X, Wt, b, s, p)
    assert_output_size(Z, setting)
    ref = (
        torch.nn.functional.conv2d(
            torch.from_numpy(X.transpose(3, 0, 1, 2).copy()),
            torch.from_numpy(Wt),
            torch.from_numpy(b[:, 0]),
            stride=s,
            padding=p,
        )
        .numpy()
        .transpose(1, 2, 3, 0)
    )
    np.testing.assert_allclose(Z, ref, rtol=1e-10, atol=1e-10)


def test_forward_matches_scipy_correlate():
    rng = np.random.default_rng(0)
    C, K, H, W, f, m = 3, 2, 9, 7, 3, 4
    X = rng.standard_normal((C, H, W, m))
    Wt = rng.standard_normal((K, C, f, f))
    b = rng.standard_normal((K, 1))
    Z, _ = conv_forward(X, Wt, b, stride=1, padding=1)
    for k in range(K):
        for i in range(m):
            ref = (
                sum(scipy.signal.correlate(X[c, :, :, i], Wt[k, c], mode="same") for c in range(C))
                + b[k, 0]
            )
            np.testing.assert_allclose(Z[k, :, :, i], ref, rtol=1e-12, atol=1e-12)
    # stride 2 = every other position of the stride-1 "valid" correlation
    Z2, _ = conv_forward(X, Wt, b, stride=2, padding=0)
    for k in range(K):
        full = (
            sum(scipy.signal.correlate(X[c, :, :, 0], Wt[k, c], mode="valid") for c in range(C))
            + b[k, 0]
        )
        np.testing.assert_allclose(Z2[k, :, :, 0], full[::2, ::2], rtol=1e-12, atol=1e-12)


def test_forward_by_hand():
    # A vertical-edge detector on a 4x4 image whose left half is 10 and right half is 0.
    X = np.array([[10, 10, 0, 0]] * 4, dtype=float)[None, :, :, None]
    Wt = np.array([[1, 0, -1]] * 3, dtype=float)[None, None]
    Z, _ = conv_forward(X, Wt, np.zeros((1, 1)))
    np.testing.assert_array_equal(Z[0, :, :, 0], [[30, 30], [30, 30]])


def test_forward_rejects_channel_mismatch():
    rng = np.random.default_rng(0)
    layer = Conv2D(3, 2, 3, rng=rng)
    with pytest.raises(ValueError, match="input channels"):
        layer.forward(rng.standard_normal((2, 5, 5, 1)))
    with pytest.raises(ValueError, match=r"\(channels, height, width, m\)"):
        layer.forward(rng.standard_normal((3, 5, 5)))


# ---------------------------------------------------------------- backward


@given(conv_settings(), st.sampled_from(["col2im", "full"]), st.sampled_from([None, "relu"]))
@SETTINGS
def test_backward_matches_finite_differences(setting, dX_method, activation):
    C, K, H, W, f, s, p, m, seed = setting
    rng = np.random.default_rng(seed)
    layer = Conv2D(C, K, f, s, p, rng, activation=activation, dX_method=dX_method)
    layer.params["b"][...] = rng.standard_normal(layer.params["b"].shape)
    X = rng.standard_normal((C, H, W, m))
    G = rng.standard_normal(layer.forward(X).shape)  # dL(i)/dA, per example
    assert_output_size(G, setting)

    def J():  # mean over examples of L(i) = sum(G[..., i] * A[..., i])
        return np.sum(G * layer.forward(X)) / m

    layer.forward(X)
    dX = layer.backward(G)
    dW, db = layer.grads["W"].copy(), layer.grads["b"].copy()
    assert rel_error(dW, numerical_gradient(J, layer.params["W"])) < 1e-6
    assert rel_error(db, numerical_gradient(J, layer.params["b"])) < 1e-6
    # dX is per example: dL(i)/dX(i) = m * dJ/dX(i)
    assert rel_error(dX, m * numerical_gradient(J, X)) < 1e-6


@given(conv_settings(max_size=12))
@SETTINGS
def test_full_convolution_dX_equals_col2im_dX(setting):
    C, K, H, W, f, s, p, m, seed = setting
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((C, H, W, m))
    Wt = rng.standard_normal((K, C, f, f))
    Z, cache = conv_forward(X, Wt, np.zeros((K, 1)), s, p)
    assert_output_size(Z, setting)
    dZ = rng.standard_normal(Z.shape)
    dX_col2im, _, _ = conv_backward(dZ, cache)
    dX_full = conv_backward_dX_full(dZ, Wt, X.shape, s, p)
    np.testing.assert_allclose(dX_full, dX_col2im, rtol=1e-10, atol=1e-10)


def test_full_convolution_dX_by_hand():
    # 1 channel, 3x3 input, 2x2 filter, stride 1: dX is the full convolution of dZ with rot180(W).
    Wt = np.array([[1.0, 2.0], [3.0, 4.0]])[None, None]
    dZ = np.array([[1.0, 0.0], [0.0, 0.0]])[None, :, :, None]
    dX = conv_backward_dX_full(dZ, Wt, (1, 3, 3, 1))
    # Only the top-left window's dZ is non-zero, so dX is W itself placed at the top-left.
    np.testing.assert_array_equal(dX[0, :, :, 0], [[1, 2, 0], [3, 4, 0], [0, 0, 0]])
    dZ = np.array([[0.0, 0.0], [0.0, 1.0]])[None, :, :, None]
    dX = conv_backward_dX_full(dZ, Wt, (1, 3, 3, 1))
    np.testing.assert_array_equal(dX[0, :, :, 0], [[0, 0, 0], [0, 1, 2], [0, 3, 4]])


@given(conv_settings(max_size=8))
@SETTINGS
def test_backward_matches_torch_autograd(setting):
    C, K, H, W, f, s, p, m, seed = setting
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((C, H, W, m))
    Wt = rng.standard_normal((K, C, f, f))
    b = rng.standard_normal((K, 1))
    Z, cache = conv_forward(X, Wt, b, s, p)
    assert_output_size(Z, setting)
    dZ = rng.standard_normal(Z.shape)
    dX, dW, db = conv_backward(dZ, cache)
    Xt = torch.tensor(X.transpose(3, 0, 1, 2), requires_grad=True)
    Wtt = torch.tensor(Wt, requires_grad=True)
    bt = torch.tensor(b[:, 0], requires_grad=True)
    Zt = torch.nn.functional.conv2d(Xt, Wtt, bt, stride=s, padding=p)
    (Zt * torch.from_numpy(dZ.transpose(3, 0, 1, 2).copy())).sum().div(m).backward()
    np.testing.assert_allclose(dW, Wtt.grad.numpy(), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(db[:, 0], bt.grad.numpy(), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(
        dX, m * Xt.grad.numpy().transpose(1, 2, 3, 0), rtol=1e-10, atol=1e-10
    )


@pytest.mark.parametrize("dX_method", ["col2im", "full"])
@pytest.mark.parametrize("stride, padding", [(1, 1), (2, 2)])
def test_conv_layer_rejects_another_dtype_and_keeps_float32(dX_method, stride, padding):
    rng = np.random.default_rng(0)
    layer = Conv2D(2, 3, 3, stride, padding, rng, dtype=np.float32, dX_method=dX_method)
    with pytest.raises(TypeError, match="float32"):
        layer.forward(np.zeros((2, 5, 5, 1)))
    X = rng.standard_normal((2, 5, 5, 2))
    G = rng.standard_normal(layer.output_shape(X.shape) + (2,))
    A = layer.forward(X.astype(np.float32))
    dX = layer.backward(G.astype(np.float32))
    assert A.dtype == dX.dtype == layer.grads["W"].dtype == layer.grads["b"].dtype == np.float32
    # ... and computes what the float64 layer with the same (float32-representable) filters does.
    layer64 = Conv2D(2, 3, 3, stride, padding, rng, dX_method=dX_method)
    layer64.params["W"][...] = layer.params["W"]
    np.testing.assert_allclose(A, layer64.forward(X), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(dX, layer64.backward(G), rtol=1e-4, atol=1e-5)


def test_conv_layer_needs_rng():
    with pytest.raises(ValueError, match="rng"):
        Conv2D(1, 1, 3)


# ---------------------------------------------------------------- contract details


@pytest.mark.parametrize(
    "args, message",
    [
        ((True, 3, 0, 1), "n must be an integer, got True (bool)"),
        ((5, False, 0, 1), "f must be an integer, got False (bool)"),
        ((5, 3, 0, True), "stride must be an integer, got True (bool)"),
        ((5, 3, 1.0, 1), "padding must be an integer, got 1.0 (float)"),
        ((0, 1, 0, 1), "n must be >= 1, got 0"),
        ((3, 3, -1, 1), "padding must be >= 0, got -1"),
        (
            (3, 7, 1, 1),
            "filter of size f=7 does not fit in an input of size n=3 with padding=1: "
            "n + 2*padding = 5 < f",
        ),
    ],
)
def test_output_size_refuses_bools_floats_and_too_small_values_by_name(args, message):
    with pytest.raises(ValueError) as info:
        conv_output_size(*args)
    assert str(info.value) == message


def test_output_size_exact_names_the_rows_the_stride_skips():
    with pytest.raises(ValueError) as info:
        conv_output_size(9, 3, 1, 3, exact=True)  # 9 - 3 + 2 = 8 = 2*3 + 2
    assert str(info.value) == (
        "stride=3 does not tile the padded input exactly: (n - f + 2*padding) = 8 is not a "
        "multiple of the stride, so the last 2 row(s)/column(s) are never seen"
    )


def test_output_size_accepts_numpy_integers_and_the_smallest_settings():
    assert conv_output_size(np.int64(7), np.int32(3), np.int64(0), np.int16(2)) == 3
    assert conv_output_size(1, 1, 0, 1) == 1  # n = f = 1, no padding, stride 1: all allowed
    assert conv_output_size(1, 3, 1, 1) == 1  # the filter fits exactly thanks to the padding
    assert conv_output_size(7, 3, 0, 2, exact=True) == 3  # 7 - 3 = 4 is a multiple of 2


def test_forward_and_backward_refuse_bad_settings_with_clear_messages():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((2, 5, 5, 1))
    with pytest.raises(ValueError, match=r"filters must be square, got W.shape=\(1, 2, 3, 2\)"):
        conv_forward(X, rng.standard_normal((1, 2, 3, 2)), np.zeros((1, 1)))
    with pytest.raises(ValueError, match=r"W expects 3 input channels but A_prev has 2"):
        conv_forward(X, rng.standard_normal((1, 3, 3, 3)), np.zeros((1, 1)))
    Z, cache = conv_forward(X, rng.standard_normal((1, 2, 3, 3)), np.zeros((1, 1)))
    with pytest.raises(ValueError, match=r"dX_method must be 'col2im' or 'full', got 'fft'"):
        conv_backward(np.ones_like(Z), cache, "fft")


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"activation": "tanh"}, r"activation must be None or 'relu', got 'tanh'"),
        ({"dX_method": "fft"}, r"dX_method must be 'col2im' or 'full', got 'fft'"),
        ({"stride": 0}, r"stride must be >= 1, got 0"),
        ({"padding": -1}, r"padding must be >= 0, got -1"),
        ({"stride": 1.5}, r"stride must be an integer"),
        ({"filter_size": 0}, r"must be >= 1, got 0"),
    ],
)
def test_conv_layer_refuses_bad_settings_when_built(kwargs, message):
    settings_ = {
        "in_channels": 2,
        "out_channels": 3,
        "filter_size": 3,
        "rng": np.random.default_rng(0),
    }
    with pytest.raises(ValueError, match=message):
        Conv2D(**{**settings_, **kwargs})


def test_conv_layer_output_shape_checks_the_channels():
    layer = Conv2D(3, 2, 3, rng=np.random.default_rng(0))
    with pytest.raises(
        ValueError, match=r"layer expects 3 input channels, got input_shape=\(2, 5, 5\)"
    ):
        layer.output_shape((2, 5, 5))


@pytest.mark.parametrize("C, K, f", [(16, 64, 3), (3, 128, 5), (64, 32, 1)])
def test_conv_layer_starts_with_he_filters_and_zero_biases(C, K, f):
    # He initialisation: N(0, 2 / fan_in) with fan_in = C·f·f inputs feeding one output pixel.
    layer = Conv2D(C, K, f, rng=np.random.default_rng(0))
    W, b = layer.params["W"], layer.params["b"]
    assert W.shape == (K, C, f, f) and b.shape == (K, 1)
    assert np.all(b == 0)
    assert abs(W.mean()) < 4 * np.sqrt(2 / (C * f * f) / W.size)
    assert W.std() == pytest.approx(np.sqrt(2 / (C * f * f)), rel=0.04)


@pytest.mark.parametrize("stride, padding", [(1, 0), (2, 1), (1, 2)])
def test_dX_method_full_really_computes_the_full_convolution(stride, padding):
    # The two methods agree to rounding, so only a bitwise comparison tells which one ran:
    # dX_method="full" must return what conv_backward_dX_full computes.
    rng = np.random.default_rng(stride)
    X = rng.standard_normal((3, 9, 8, 4))
    layer = Conv2D(3, 4, 3, stride, padding, rng, activation="relu", dX_method="full")
    A = layer.forward(X)
    G = rng.standard_normal(A.shape)
    Z, cache = conv_forward(X, layer.params["W"], layer.params["b"], stride, padding)
    dZ = G * (Z > 0)
    expected = conv_backward_dX_full(dZ, layer.params["W"], X.shape, stride, padding)
    via_col2im, _, _ = conv_backward(dZ, cache, "col2im")
    assert not np.array_equal(expected, via_col2im)  # the two really differ in rounding here
    np.testing.assert_array_equal(conv_backward(dZ, cache, "full")[0], expected)
    np.testing.assert_array_equal(layer.backward(G), expected)


@pytest.mark.parametrize("dX_method", ["col2im", "full"])
def test_relu_layer_gives_zero_gradient_where_z_is_exactly_zero(dX_method):
    # ReLU's kink at 0 gets slope 0 (as in torch): with a zero input and zero biases every
    # Z is exactly 0, so no gradient flows to the filters, the biases or the input.
    layer = Conv2D(2, 3, 3, 1, 1, np.random.default_rng(0), activation="relu", dX_method=dX_method)
    X = np.zeros((2, 4, 4, 2))
    A = layer.forward(X)
    dX = layer.backward(np.ones_like(A))
    Xt = torch.zeros(2, 2, 4, 4, dtype=torch.float64, requires_grad=True)
    Wt = torch.tensor(layer.params["W"], requires_grad=True)
    bt = torch.zeros(3, dtype=torch.float64, requires_grad=True)
    torch.relu(torch.nn.functional.conv2d(Xt, Wt, bt, padding=1)).sum().backward()
    assert float(Wt.grad.abs().max()) == float(bt.grad.abs().max()) == 0.0
    np.testing.assert_array_equal(layer.grads["W"], 0.0)
    np.testing.assert_array_equal(layer.grads["b"], 0.0)
    np.testing.assert_array_equal(dX, Xt.grad.numpy().transpose(1, 2, 3, 0))


def test_conv_backward_before_forward_says_so():
    layer = Conv2D(1, 1, 3, rng=np.random.default_rng(0))
    with pytest.raises(RuntimeError) as error:
        layer.backward(np.zeros((1, 1, 1, 1)))
    assert str(error.value) == "Conv2D.backward called before forward."
