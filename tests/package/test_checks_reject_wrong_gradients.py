"""The gradient checks can fail: a Dense backward made wrong on purpose is rejected by each.

``Dense.backward`` is replaced (through ``monkeypatch``) by a re-derivation of the
backward pass with one deliberate mistake: the sign of dZ flipped, the 1/m
dropped, dW transposed (the layers are square so the shapes still fit), or the
bias gradient left at zero.  Every way the suite checks a gradient must then
report a failure: the package's own checker (``check_layer``, ``check_network``,
``numerical_gradient`` with ``relative_error`` and the 1e-7 bar), the independent
central differences of ``finite_differences.py``, and torch autograd.  The same
re-derivation without a mistake passes every check, so the checks tell the two
apart rather than failing on anything.
"""

import numpy as np
import pytest
import torch
from finite_differences import numerical_gradient as fd_gradient
from finite_differences import rel_error

from ddl import gradcheck
from ddl.layers import Dense
from ddl.losses import MeanSquaredError
from ddl.network import Network

BAR = 1e-7  # the series' pass mark for a relative error
N, M = 3, 5  # square layers (n_in = n_out = 3) and 5 examples, so 1/m matters

MUTANTS = ["correct", "flipped_dZ_sign", "missing_1_over_m", "transposed_dW", "dropped_db"]


def rewritten_backward(kind):
    """Dense.backward written out again, with the mistake ``kind`` (none for "correct")."""

    def backward(self, dA):
        A_prev, Z, A = self.cache
        m = A_prev.shape[1]
        dZ = self.activation.backward(dA, Z, A)
        if kind == "flipped_dZ_sign":
            dZ = -dZ
        scale = 1.0 if kind == "missing_1_over_m" else 1.0 / m
        dW = scale * (dZ @ A_prev.T)
        if kind == "transposed_dW":
            dW = dW.T
        db = scale * dZ.sum(axis=1, keepdims=True)
        if kind == "dropped_db":
            db = np.zeros_like(db)
        self.grads["W"][...] = dW  # in place, as the layer interface requires
        self.grads["b"][...] = db
        return self.params["W"].T @ dZ

    return backward


def make_problem():
    """Two square tanh/identity layers with generic (non-symmetric) weights and biases."""
    rng = np.random.default_rng(20)
    layers = [Dense(N, N, "tanh", "xavier", rng), Dense(N, N, "identity", "xavier", rng)]
    for layer in layers:
        layer.params["W"][...] = rng.standard_normal((N, N)) / np.sqrt(N)
        layer.params["b"][...] = 0.5 * rng.standard_normal((N, 1))
    X = rng.standard_normal((N, M))
    Y = rng.standard_normal((N, M))
    G = rng.standard_normal((N, M))  # J = (1/m) Σ G ⊙ network(X)
    return Network(layers), X, Y, G


def backprop_gradients(net, X, G):
    net.forward(X, training=False)
    net.backward(G.copy())
    return [g.copy() for g in net.gradients()]


def j_of(net, X, G):
    return np.sum(G * net.forward(X, training=False)) / X.shape[1]


# Each check returns True when it accepts the backward pass.


def accepts_check_layer(net, X, Y, G):
    layer = net.layers[0]
    errors = gradcheck.check_layer(layer, X, np.random.default_rng(1))
    return max(errors.values()) < BAR


def accepts_check_network(net, X, Y, G):
    return gradcheck.check_network(net, MeanSquaredError(), X, Y) < BAR


def accepts_check_network_per_parameter(net, X, Y, G):
    return max(gradcheck.check_network(net, MeanSquaredError(), X, Y, per_parameter=True)) < BAR


def accepts_ddl_relative_error(net, X, Y, G):
    analytic = backprop_gradients(net, X, G)
    numeric = [gradcheck.numerical_gradient(lambda _: j_of(net, X, G), p) for p in net.parameters()]
    return all(gradcheck.relative_error(a, n) < BAR for a, n in zip(analytic, numeric))


def accepts_independent_differences(net, X, Y, G):
    analytic = backprop_gradients(net, X, G)
    numeric = [fd_gradient(lambda: j_of(net, X, G), p) for p in net.parameters()]
    return all(rel_error(a, n) < BAR for a, n in zip(analytic, numeric))


def accepts_torch_autograd(net, X, Y, G):
    analytic = backprop_gradients(net, X, G)
    params = [torch.tensor(p, dtype=torch.float64, requires_grad=True) for p in net.parameters()]
    W1, b1, W2, b2 = params
    out = W2 @ torch.tanh(W1 @ torch.from_numpy(X) + b1) + b2
    (torch.from_numpy(G) * out).sum().div(X.shape[1]).backward()
    return all(
        np.allclose(a, p.grad.numpy(), rtol=1e-10, atol=1e-12) for a, p in zip(analytic, params)
    )


CHECKS = {
    "gradcheck.check_layer": accepts_check_layer,
    "gradcheck.check_network": accepts_check_network,
    "gradcheck.check_network_per_parameter": accepts_check_network_per_parameter,
    "gradcheck.relative_error": accepts_ddl_relative_error,
    "finite_differences": accepts_independent_differences,
    "torch_autograd": accepts_torch_autograd,
}


@pytest.mark.parametrize("check", sorted(CHECKS))
@pytest.mark.parametrize("kind", MUTANTS)
def test_every_gradient_check_rejects_a_wrong_dense_backward(kind, check, monkeypatch):
    net, X, Y, G = make_problem()
    monkeypatch.setattr(Dense, "backward", rewritten_backward(kind))
    assert CHECKS[check](net, X, Y, G) == (kind == "correct")


def test_the_rewritten_correct_backward_is_the_package_one():
    net, X, _, G = make_problem()
    expected = backprop_gradients(net, X, G)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(Dense, "backward", rewritten_backward("correct"))
        rewritten = backprop_gradients(net, X, G)
    for a, b in zip(expected, rewritten):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("kind", MUTANTS[1:])
def test_each_mistake_is_far_off_not_just_over_the_bar(kind, monkeypatch):
    # The rejected errors are of order 1e-2 to 1, five or more orders above the bar.
    net, X, Y, _ = make_problem()
    monkeypatch.setattr(Dense, "backward", rewritten_backward(kind))
    assert gradcheck.check_network(net, MeanSquaredError(), X, Y) > 1e-3
