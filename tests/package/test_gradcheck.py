"""The package's gradient checker: the relative error, the step ε it is given, the mode it runs
layers and networks in, and layers whose examples sit on the last of four axes."""

import numpy as np
import pytest

from ddl import gradcheck
from ddl.conv import Conv2D
from ddl.layers import Dense, Layer
from ddl.losses import MeanSquaredError
from ddl.network import Network, feed_forward
from ddl.regularisation import Dropout

BAR = 1e-7  # the series' pass mark for a relative error


def test_relative_error_by_hand():
    assert gradcheck.relative_error([3.0, 4.0], [0.0, 0.0]) == 1.0
    assert gradcheck.relative_error([1.0, 2.0], [1.0, 2.0]) == 0.0
    assert gradcheck.relative_error([0.0], [0.0]) == 0.0
    # ‖a − b‖ = 5, ‖a‖ = 5, ‖b‖ = 10.
    assert gradcheck.relative_error([[3.0, 4.0]], [[6.0, 8.0]]) == pytest.approx(1 / 3, rel=1e-15)
    assert gradcheck.relative_error([1, 2], [2, 4]) == pytest.approx(1 / 3, rel=1e-15)


@pytest.mark.parametrize("scale", [1e-30, 1e30])
@pytest.mark.parametrize(
    "dtypes", [(np.float32, np.float32), (np.float32, np.float64), (np.float64, np.float32)]
)
def test_relative_error_of_float32_gradients_is_computed_in_float64(scale, dtypes):
    # Gradients of order 1e-30 or 1e30 are representable in float32, but their squares are
    # not: the norms must be taken in float64 or they underflow to 0 (or overflow to inf).
    a = np.array([3.0, 4.0], dtype=dtypes[0]) * dtypes[0](scale)
    b = np.array([6.0, 8.0], dtype=dtypes[1]) * dtypes[1](scale)
    assert gradcheck.relative_error(a, b) == pytest.approx(1 / 3, rel=1e-6)
    assert gradcheck.relative_error(b, a) == pytest.approx(1 / 3, rel=1e-6)


def test_relative_error_refuses_arrays_of_different_shapes():
    with pytest.raises(ValueError) as excinfo:
        gradcheck.relative_error(np.zeros((2, 3)), np.zeros((3, 2)))
    assert str(excinfo.value) == "b: expected shape (2, 3) like a, got (3, 2)."


def tanh_network():
    """Two tanh layers with biases of order 1/2, so the cost is curved in every parameter."""
    rng = np.random.default_rng(7)
    layers = [Dense(3, 4, "tanh", "xavier", rng), Dense(4, 2, "tanh", "xavier", rng)]
    for layer in layers:
        layer.params["b"][...] = 0.5 * rng.standard_normal(layer.params["b"].shape)
    return Network(layers), rng.standard_normal((3, 5)), rng.standard_normal((2, 5))


def test_check_layer_uses_the_step_it_is_given():
    # Central differences err by O(ε²) (the module docstring): halving ε quarters the error,
    # and a correct layer passes at the default ε = 1e-6.
    def errors(eps):
        net, X, _ = tanh_network()
        kwargs = {} if eps is None else {"eps": eps}
        return gradcheck.check_layer(net.layers[0], X, np.random.default_rng(1), **kwargs)

    assert max(errors(None).values()) < BAR
    coarse, fine = errors(0.1), errors(0.05)
    assert set(coarse) == {"A_prev", "W", "b"}
    for key in coarse:
        assert coarse[key] > 1e-5, key
        assert coarse[key] / fine[key] == pytest.approx(4, rel=0.1), key


@pytest.mark.parametrize("per_parameter", [False, True])
def test_check_network_uses_the_step_it_is_given(per_parameter):
    def errors(eps):
        net, X, Y = tanh_network()
        kwargs = {} if eps is None else {"eps": eps}
        error = gradcheck.check_network(
            net, MeanSquaredError(), X, Y, per_parameter=per_parameter, **kwargs
        )
        return np.atleast_1d(error)

    assert np.all(errors(None) < BAR)
    coarse, fine = errors(0.1), errors(0.05)
    assert len(coarse) == (4 if per_parameter else 1)
    assert np.all(coarse > 1e-5)
    np.testing.assert_allclose(coarse / fine, 4, rtol=0.1)


class ModeScaledLinear(Layer):
    """Z = s (W A_prev + b) with s = 2 in training mode and 1 in evaluation mode.

    Deterministic in both modes, so a gradient check is meaningful in either, and strict about
    ``training`` being a bool as the layer interface states.  Records the modes it ran in.
    """

    def __init__(self, rng, n_in=3, n_out=2):
        super().__init__()
        self.params = {
            "W": rng.standard_normal((n_out, n_in)),
            "b": rng.standard_normal((n_out, 1)),
        }
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}
        self.modes = []

    def forward(self, A_prev, training=True):
        if not isinstance(training, bool):
            raise TypeError(f"training: expected a bool, got {training!r}.")
        self.modes.append(training)
        scale = 2.0 if training else 1.0
        self.cache = (A_prev, scale)
        return scale * (self.params["W"] @ A_prev + self.params["b"])

    def backward(self, dA):
        A_prev, scale = self.cache
        dZ = scale * dA
        m = A_prev.shape[1]
        self.grads["W"][...] = dZ @ A_prev.T / m
        self.grads["b"][...] = dZ.sum(axis=1, keepdims=True) / m
        return self.params["W"].T @ dZ


@pytest.mark.parametrize("training", [None, False, True])
def test_check_layer_runs_the_layer_in_the_mode_asked_for_and_only_that(training):
    # None: the default, which is evaluation mode.
    rng = np.random.default_rng(3)
    layer, A_prev = ModeScaledLinear(rng), rng.standard_normal((3, 4))
    kwargs = {} if training is None else {"training": training}
    errors = gradcheck.check_layer(layer, A_prev, np.random.default_rng(4), **kwargs)
    assert set(errors) == {"A_prev", "W", "b"}
    assert max(errors.values()) < BAR, errors
    assert set(layer.modes) == {bool(training)}


@pytest.mark.parametrize("per_parameter", [False, True])
def test_check_network_runs_in_evaluation_mode_throughout(per_parameter):
    rng = np.random.default_rng(3)
    layer = ModeScaledLinear(rng)
    X, Y = rng.standard_normal((3, 4)), rng.standard_normal((2, 4))
    error = gradcheck.check_network(
        Network([layer]), MeanSquaredError(), X, Y, per_parameter=per_parameter
    )
    assert np.all(np.atleast_1d(error) < BAR)
    assert set(layer.modes) == {False}


def test_check_network_with_dropout_is_deterministic_and_draws_no_random_numbers():
    # Dropout is off in evaluation mode: the check passes, and the generator the dropout
    # layers share with the rest of the program is left where it was.
    rng = np.random.default_rng(11)
    net = feed_forward([3, 5, 4, 2], rng, "tanh", "xavier", keep_prob=0.5)
    assert any(isinstance(layer, Dropout) for layer in net.layers)
    data = np.random.default_rng(12)
    X, Y = data.standard_normal((3, 6)), data.standard_normal((2, 6))
    state = rng.bit_generator.state
    assert gradcheck.check_network(net, MeanSquaredError(), X, Y) < BAR
    assert max(gradcheck.check_network(net, MeanSquaredError(), X, Y, per_parameter=True)) < BAR
    assert rng.bit_generator.state == state


def test_check_layer_on_dropout_in_evaluation_mode_draws_no_random_numbers():
    rng = np.random.default_rng(11)
    layer = Dropout(0.5, rng)
    state = rng.bit_generator.state
    A_prev = np.random.default_rng(12).standard_normal((4, 6))
    errors = gradcheck.check_layer(layer, A_prev, np.random.default_rng(1))
    assert set(errors) == {"A_prev"} and errors["A_prev"] < BAR
    assert rng.bit_generator.state == state


@pytest.mark.parametrize("activation", [None, "relu"])
def test_check_layer_accepts_a_correct_convolution_with_examples_on_the_last_of_four_axes(
    activation,
):
    # A_prev is (channels, height, width, m) with m different from every other axis, so the
    # 1/m of the cost must come from the last axis.
    rng = np.random.default_rng(5)
    layer = Conv2D(2, 3, 3, stride=1, padding=1, rng=rng, activation=activation)
    layer.params["b"][...] = 0.1 * rng.standard_normal((3, 1))
    A_prev = rng.standard_normal((2, 5, 4, 3))
    errors = gradcheck.check_layer(layer, A_prev, np.random.default_rng(6))
    assert set(errors) == {"A_prev", "W", "b"}
    assert max(errors.values()) < BAR, errors
