"""Whole networks: backpropagation against central differences and against
PyTorch's autograd, and the original's bias defect."""

import itertools
import re

import numpy as np
import pytest
import torch
from finite_differences import numerical_gradient
from hypothesis import given, settings
from hypothesis import strategies as st

from ddl import losses
from ddl.data import one_hot
from ddl.layers import Dense
from ddl.network import Network, feed_forward
from ddl.optimisers import GradientDescent
from ddl.regularisation import Dropout
from ddl.training import train_step

SETTINGS = settings(max_examples=30, deadline=None)
LOSSES = {
    "mse": losses.MeanSquaredError(),
    "bce": losses.BinaryCrossEntropy(),
    "cce": losses.CategoricalCrossEntropy(),
}


def random_network(rng, sizes, hidden):
    layers = []
    for i, (n_in, n_out) in enumerate(itertools.pairwise(sizes)):
        last = i == len(sizes) - 2
        layer = Dense(n_in, n_out, "identity" if last else hidden[i], "xavier", rng)
        layer.params["b"][...] = 0.1 * rng.standard_normal((n_out, 1))
        layers.append(layer)
    return Network(layers)


def random_targets(loss_name, n_out, m, rng):
    if loss_name == "mse":
        return rng.standard_normal((n_out, m))
    if loss_name == "bce":
        return rng.integers(0, 2, (n_out, m)).astype(float)
    return one_hot(rng.integers(0, n_out, m), n_out)


@SETTINGS
@given(data=st.data(), seed=st.integers(0, 2**32 - 1))
def test_backprop_matches_central_differences_for_any_depth_and_width(data, seed):
    depth = data.draw(st.integers(1, 4), label="depth")
    sizes = data.draw(
        st.lists(st.integers(1, 6), min_size=depth + 1, max_size=depth + 1), label="sizes"
    )
    hidden = data.draw(
        st.lists(
            st.sampled_from(["sigmoid", "tanh", "relu", "leaky_relu"]),
            min_size=depth,
            max_size=depth,
        ),
        label="hidden",
    )
    loss_name = data.draw(st.sampled_from(sorted(LOSSES)), label="loss")
    m = data.draw(st.integers(1, 6), label="m")
    rng = np.random.default_rng(seed)
    net = random_network(rng, sizes, hidden)
    X = rng.standard_normal((sizes[0], m))
    Y = random_targets(loss_name, sizes[-1], m, rng)
    loss = LOSSES[loss_name]
    Z = net.forward(X)
    net.backward(loss.gradient(Z, Y))
    analytic = [g.copy() for g in net.gradients()]
    assert len(analytic) == 2 * depth

    def J():
        return loss.cost(net.forward(X, training=False), Y)

    numeric = [numerical_gradient(J, p) for p in net.parameters()]
    # Every parameter is checked, however small its gradient.  A central difference
    # of a cost of order 1 carries rounding noise of order 1e-16 / ε = 1e-10 whatever
    # the gradient's size, so it is compared with a tolerance scaled to the largest
    # gradient of the network (a deep sigmoid stack's first layers fall far below it);
    # torch autograd has no such noise and checks even the smallest ones relatively.
    scale = max(float(np.abs(g).max()) for g in analytic + numeric)
    for i, (a, n) in enumerate(zip(analytic, numeric)):
        np.testing.assert_allclose(a, n, rtol=1e-6, atol=1e-6 * scale, err_msg=f"parameter {i}")
    for i, (a, t) in enumerate(zip(analytic, torch_gradients(net, hidden, loss_name, X, Y)[0])):
        np.testing.assert_allclose(a, t, rtol=1e-9, atol=1e-15 * scale, err_msg=f"parameter {i}")


TORCH_ACTIVATIONS = {
    "relu": torch.relu,
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
    "leaky_relu": lambda z: torch.nn.functional.leaky_relu(z, negative_slope=0.01),
}


def torch_gradients(net, hidden, loss_name, X, Y):
    """Gradients of the same network and cost by torch autograd, in the order of
    ``net.parameters()``, then ∂J/∂X; examples on the last axis as in ddl."""
    params = [torch.tensor(p, requires_grad=True) for p in net.parameters()]
    Xt = torch.tensor(X, requires_grad=True)
    A = Xt
    for i in range(len(net.layers)):
        A = params[2 * i] @ A + params[2 * i + 1]
        if i < len(net.layers) - 1:
            A = TORCH_ACTIVATIONS[hidden[i]](A)
    Yt, m = torch.from_numpy(Y), X.shape[1]
    if loss_name == "mse":
        cost = ((A - Yt) ** 2).sum() / (2 * m)
    elif loss_name == "bce":
        cost = torch.nn.functional.binary_cross_entropy_with_logits(A, Yt, reduction="sum") / m
    else:
        cost = -(Yt * torch.log_softmax(A, dim=0)).sum() / m
    cost.backward()
    return [p.grad.numpy() for p in params], Xt.grad.numpy()


def test_gradients_agree_with_torch_autograd():
    torch.set_num_threads(1)
    rng = np.random.default_rng(5)
    sizes = [7, 6, 5, 4, 3]
    hidden = ["relu", "tanh", "sigmoid"]
    X = rng.standard_normal((7, 11))
    to_torch = {"relu": torch.relu, "tanh": torch.tanh, "sigmoid": torch.sigmoid}
    for loss_name, loss in LOSSES.items():
        net = random_network(rng, sizes, hidden)
        Y = random_targets(loss_name, sizes[-1], 11, rng)
        Z = net.forward(X)
        J = loss.cost(Z, Y)
        dX = net.backward(loss.gradient(Z, Y))

        # The same network in PyTorch, rows as examples as PyTorch expects.
        Wt = [torch.tensor(layer.params["W"], requires_grad=True) for layer in net.layers]
        bt = [torch.tensor(layer.params["b"], requires_grad=True) for layer in net.layers]
        Xt = torch.tensor(X.T, requires_grad=True)
        A = Xt
        for i, (W, b) in enumerate(zip(Wt, bt)):
            A = A @ W.T + b.T
            if i < len(hidden):
                A = to_torch[hidden[i]](A)
        Yt = torch.tensor(Y.T)
        if loss_name == "mse":
            Jt = ((A - Yt) ** 2).sum() / (2 * 11)
        elif loss_name == "bce":
            Jt = torch.nn.functional.binary_cross_entropy_with_logits(A, Yt, reduction="sum") / 11
        else:
            Jt = torch.nn.functional.cross_entropy(A, Yt.argmax(dim=1))
        Jt.backward()

        assert J == pytest.approx(Jt.item(), rel=1e-12)
        for layer, W, b in zip(net.layers, Wt, bt):
            np.testing.assert_allclose(layer.grads["W"], W.grad.numpy(), rtol=1e-10, atol=1e-13)
            np.testing.assert_allclose(layer.grads["b"], b.grad.numpy(), rtol=1e-10, atol=1e-13)
        # dX is per example; autograd gives ∂J/∂X = dX / m.
        np.testing.assert_allclose(dX / 11, Xt.grad.numpy().T, rtol=1e-10, atol=1e-13)


def test_a_training_step_changes_the_biases():
    # The original loop updated W with db, so the biases never moved.
    rng = np.random.default_rng(6)
    net = feed_forward([4, 5, 3, 1], rng)
    X = rng.standard_normal((4, 20))
    Y = rng.integers(0, 2, (1, 20)).astype(float)
    biases = [layer.params["b"].copy() for layer in net.layers]
    weights = [layer.params["W"].copy() for layer in net.layers]
    alpha = 0.1
    loss = losses.BinaryCrossEntropy()
    Z = net.forward(X)
    net.backward(loss.gradient(Z, Y))
    expected_b = [b - alpha * layer.grads["b"] for b, layer in zip(biases, net.layers)]
    expected_W = [W - alpha * layer.grads["W"] for W, layer in zip(weights, net.layers)]
    train_step(net, loss, GradientDescent(alpha), X, Y)
    for layer, b0, b1, W1 in zip(net.layers, biases, expected_b, expected_W):
        assert not np.array_equal(layer.params["b"], b0)
        np.testing.assert_allclose(layer.params["b"], b1, rtol=1e-12)
        np.testing.assert_allclose(layer.params["W"], W1, rtol=1e-12)


def test_parameters_and_gradients_are_matching_lists_of_the_arrays_themselves():
    rng = np.random.default_rng(7)
    net = feed_forward([3, 4, 2], rng, keep_prob=0.8)
    params, grads = net.parameters(), net.gradients()
    assert [p.shape for p in params] == [(4, 3), (4, 1), (2, 4), (2, 1)]
    assert [g.shape for g in grads] == [p.shape for p in params]
    assert params[0] is net.layers[0].params["W"] and grads[3] is net.layers[-1].grads["b"]


def test_predict_returns_labels_in_evaluation_mode():
    rng = np.random.default_rng(8)
    net = feed_forward([3, 8, 4], rng, keep_prob=0.5)
    X = rng.standard_normal((3, 10))
    labels = net.predict(X, losses.CategoricalCrossEntropy())
    assert labels.shape == (1, 10)
    np.testing.assert_array_equal(labels, net.predict(X, losses.CategoricalCrossEntropy()))


def test_network_rejects_things_that_are_not_layers():
    with pytest.raises(TypeError, match=r"layers\[1\]: expected a layer"):
        Network([Dense(2, 2, rng=np.random.default_rng(0)), "relu"])
    with pytest.raises(ValueError, match="layers: expected at least one layer"):
        Network([])


def test_a_wrong_gradient_below_the_old_skip_threshold_is_caught(monkeypatch):
    # A deep sigmoid stack whose first layer's gradient has a norm below 1e-3, the
    # size under which parameters used to go unchecked, made 1 % wrong.
    rng = np.random.default_rng(3)
    hidden = ["sigmoid"] * 6
    net = random_network(rng, [3, 4, 4, 4, 4, 4, 4, 2], hidden)
    X, Y = rng.standard_normal((3, 5)), rng.standard_normal((2, 5))
    correct = Dense.backward

    def slightly_wrong(self, dA):
        dA_prev = correct(self, dA)
        if self is net.layers[0]:
            self.grads["W"] *= 1.01
        return dA_prev

    monkeypatch.setattr(Dense, "backward", slightly_wrong)
    loss = LOSSES["mse"]
    net.backward(loss.gradient(net.forward(X), Y))
    analytic = [g.copy() for g in net.gradients()]
    assert np.linalg.norm(analytic[0]) < 1e-3
    scale = max(float(np.abs(g).max()) for g in analytic)
    expected = torch_gradients(net, hidden, "mse", X, Y)[0]
    np.testing.assert_allclose(analytic[1], expected[1], rtol=1e-9, atol=1e-15 * scale)
    with pytest.raises(AssertionError):
        np.testing.assert_allclose(analytic[0], expected[0], rtol=1e-9, atol=1e-15 * scale)


def test_a_network_reads_as_its_layers_one_per_line():
    rng = np.random.default_rng(0)
    net = Network([Dense(3, 4, "relu", "he", rng), Dense(4, 1, "sigmoid", "xavier", rng)])
    assert repr(net) == (
        "Network([\n    Dense(3, 4, activation='relu'),\n    Dense(4, 1, activation='sigmoid'),\n])"
    )


def test_feed_forward_needs_an_input_and_an_output_size_and_nothing_more():
    # [n_x, n_y] is one linear layer (logistic or softmax regression); fewer sizes are refused.
    net = feed_forward([3, 2], np.random.default_rng(0))
    assert repr(net) == "Network([\n    Dense(3, 2, activation='identity'),\n])"
    for sizes in ([3], [], (4,)):
        message = f"sizes: expected at least [n_inputs, n_outputs], got {list(sizes)}."
        with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
            feed_forward(sizes, np.random.default_rng(0))


def test_the_errors_for_what_is_not_a_network_name_the_culprit():
    message = (
        "layers[1]: expected a layer with forward, backward, params and grads, "
        "got str (missing forward, backward, params, grads)."
    )
    with pytest.raises(TypeError, match=f"^{re.escape(message)}$"):
        Network([Dense(2, 2, rng=np.random.default_rng(0)), "relu"])
    with pytest.raises(
        ValueError, match="^layers: expected at least one layer, got an empty list.$"
    ):
        Network(iter([]))


def test_forward_trains_by_default_and_predict_does_not():
    # Dropout's mask is D = (U < keep_prob) for U drawn from its rng: Network.forward(X) is in
    # training mode unless told otherwise, and predict always evaluates.
    X = np.random.default_rng(1).standard_normal((4, 6))
    net = Network([Dropout(0.5, np.random.default_rng(42))])
    expected = X * (np.random.default_rng(42).random(X.shape) < 0.5) / 0.5
    np.testing.assert_array_equal(net.forward(X), expected)
    np.testing.assert_array_equal(net.forward(X, training=False), X)
    identity = losses.MeanSquaredError()  # predicts the logits themselves
    np.testing.assert_array_equal(net.predict(X, identity), X)
    assert net.dtype == np.float64 and net.parameters() == []
