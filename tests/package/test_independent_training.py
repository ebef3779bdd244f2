"""Networks built by feed_forward, evaluate and the training loop, against the same
computations written with torch (forward, autograd, plain SGD steps) and scikit-learn."""

import numpy as np
import pytest
import sklearn.metrics
import torch

from ddl import data
from ddl.layers import Dense, Layer
from ddl.losses import BinaryCrossEntropy, CategoricalCrossEntropy, MeanSquaredError
from ddl.metrics import accuracy
from ddl.network import feed_forward
from ddl.optimisers import GradientDescent
from ddl.regularisation import L2, Dropout
from ddl.training import evaluate, train

TORCH_ACTIVATIONS = {"relu": torch.relu, "tanh": torch.tanh, "sigmoid": torch.sigmoid}


def torch_forward(weights, X, hidden, masks=None):
    """Z = W_L g(… g(W_1 X + b_1) …) + b_L with torch operations; ``masks`` multiply the
    hidden activations (inverted dropout with a given mask)."""
    A = X
    for i, (W, b) in enumerate(weights):
        A = W @ A + b
        if i < len(weights) - 1:
            A = TORCH_ACTIVATIONS[hidden](A)
            if masks is not None:
                A = A * masks[i]
    return A


@pytest.mark.parametrize("hidden", ["relu", "tanh", "sigmoid"])
def test_feed_forward_is_the_stack_torch_computes(hidden):
    rng = np.random.default_rng(0)
    sizes = [5, 7, 6, 3]
    net = feed_forward(sizes, rng, hidden, "xavier")
    dense = [layer for layer in net.layers if isinstance(layer, Dense)]
    assert [(d.n_in, d.n_out) for d in dense] == [(5, 7), (7, 6), (6, 3)]
    assert len(net.layers) == len(dense)  # no dropout without keep_prob
    X = rng.standard_normal((5, 9))
    G = rng.standard_normal((3, 9))
    Z = net.forward(X)
    dX = net.backward(G)
    weights = [
        (
            torch.tensor(d.params["W"], requires_grad=True),
            torch.tensor(d.params["b"], requires_grad=True),
        )
        for d in dense
    ]
    Xt = torch.tensor(X, requires_grad=True)
    Zt = torch_forward(weights, Xt, hidden)
    np.testing.assert_allclose(Z, Zt.detach().numpy(), rtol=1e-12, atol=1e-14)
    (Zt * torch.from_numpy(G)).sum().div(9).backward()
    for d, (W, b) in zip(dense, weights):
        np.testing.assert_allclose(d.grads["W"], W.grad.numpy(), rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(d.grads["b"], b.grad.numpy(), rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(dX / 9, Xt.grad.numpy(), rtol=1e-10, atol=1e-14)


def test_feed_forward_defaults_relu_and_he_and_puts_dropout_after_hidden_layers():
    rng = np.random.default_rng(1)
    net = feed_forward([400, 300, 200, 2], rng, keep_prob=0.7)
    kinds = [type(layer).__name__ for layer in net.layers]
    assert kinds == ["Dense", "Dropout", "Dense", "Dropout", "Dense"]
    assert [layer.keep_prob for layer in net.layers if isinstance(layer, Dropout)] == [0.7, 0.7]
    first = net.layers[0].params["W"]
    assert abs(first.std() - np.sqrt(2 / 400)) < 0.02 * np.sqrt(2 / 400)  # He: 2 / fan-in
    assert np.all(net.layers[0].params["b"] == 0)
    dense = [layer for layer in net.layers if isinstance(layer, Dense)]
    weights = [(torch.tensor(d.params["W"]), torch.tensor(d.params["b"])) for d in dense]
    X = rng.standard_normal((400, 6))
    # Evaluation mode: dropout off, the plain ReLU stack.
    expected = torch_forward(weights, torch.from_numpy(X), "relu").numpy()
    np.testing.assert_allclose(net.forward(X, training=False), expected, rtol=1e-11, atol=1e-13)
    # Training mode: each hidden activation times the dropout layer's mask D / keep_prob.
    Z = net.forward(X, training=True)
    masks = [torch.from_numpy(layer.mask) for layer in net.layers if isinstance(layer, Dropout)]
    for mask in masks:
        assert set(np.unique(mask.numpy())) <= {0.0, 1 / 0.7}
    expected = torch_forward(weights, torch.from_numpy(X), "relu", masks).numpy()
    np.testing.assert_allclose(Z, expected, rtol=1e-11, atol=1e-13)


def test_the_base_layer_is_the_identity():
    layer = Layer()
    X = np.random.default_rng(2).standard_normal((3, 4))
    assert layer.params == {} and layer.grads == {}
    np.testing.assert_array_equal(layer.forward(X), X)
    np.testing.assert_array_equal(layer.backward(2 * X), 2 * X)


@pytest.mark.parametrize("kind", ["bce", "cce"])
def test_evaluate_matches_torch_cost_and_scikit_learn_metrics(kind):
    rng = np.random.default_rng(3)
    n_out = 1 if kind == "bce" else 4
    net = feed_forward([3, 5, n_out], rng, "tanh", "xavier")
    X = rng.standard_normal((3, 40))
    if kind == "bce":
        loss, Y = BinaryCrossEntropy(), rng.integers(0, 2, (1, 40)).astype(float)
    else:
        loss, Y = CategoricalCrossEntropy(), np.eye(4)[:, rng.integers(0, 4, 40)]
    results = evaluate(net, loss, X, Y, {"accuracy": accuracy, "f1": lambda a, b: 0.5})
    dense = net.layers
    weights = [(torch.tensor(d.params["W"]), torch.tensor(d.params["b"])) for d in dense]
    Z = torch_forward(weights, torch.from_numpy(X), "tanh")
    if kind == "bce":
        J = torch.nn.functional.binary_cross_entropy_with_logits(Z, torch.from_numpy(Y))
        y_true, y_pred = Y[0], (torch.sigmoid(Z)[0] >= 0.5).numpy()
    else:
        labels = Y.argmax(axis=0)
        J = torch.nn.functional.cross_entropy(Z.T, torch.from_numpy(labels))
        y_true, y_pred = labels, Z.argmax(dim=0).numpy()
    assert results["loss"] == pytest.approx(J.item(), rel=1e-12)
    assert results["accuracy"] == pytest.approx(sklearn.metrics.accuracy_score(y_true, y_pred))
    assert results["f1"] == 0.5
    assert set(results) == {"loss", "accuracy", "f1"}


@pytest.mark.parametrize(("kind", "batch_size"), [("mse", 4), ("bce", None), ("bce", 7)])
def test_train_is_the_sgd_loop_torch_runs(kind, batch_size):
    """Each epoch: the generator's permutation cut into batches, one SGD step per batch on
    the batch cost plus the L2 penalty; then the costs over the whole sets in evaluation mode."""
    seed, epochs, alpha, lambd = 4, 3, 0.2, 0.3
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((3, 25))
    if kind == "mse":
        Y, loss = rng.standard_normal((1, 25)), MeanSquaredError()
    else:
        Y, loss = rng.integers(0, 2, (1, 25)).astype(float), BinaryCrossEntropy()
    d = data.Dataset(X[:, :18], Y[:, :18], X[:, 18:], Y[:, 18:], X[:, :0], Y[:, :0])
    net = feed_forward([3, 4, 1], rng, "tanh", "xavier")
    weights = [
        (
            torch.tensor(layer.params["W"], requires_grad=True),
            torch.tensor(layer.params["b"], requires_grad=True),
        )
        for layer in net.layers
    ]
    history = train(
        net,
        loss,
        GradientDescent(alpha),
        d,
        epochs,
        batch_size,
        np.random.default_rng(seed + 1),
        regulariser=L2(lambd),
    )

    def cost(Z, Yb):
        m = Yb.shape[1]
        Yt = torch.from_numpy(Yb)
        if kind == "mse":
            return ((Z - Yt) ** 2).sum() / (2 * m)
        return torch.nn.functional.binary_cross_entropy_with_logits(Z, Yt, reduction="sum") / m

    order_rng = np.random.default_rng(seed + 1)
    train_losses, val_losses, train_accuracy = [], [], []
    m = d.X_train.shape[1]
    step = m if batch_size is None else batch_size
    for _ in range(epochs):
        order = order_rng.permutation(m)
        for start in range(0, m, step):
            idx = order[start : start + step]
            J = cost(
                torch_forward(weights, torch.from_numpy(d.X_train[:, idx]), "tanh"),
                d.Y_train[:, idx],
            )
            J = J + lambd / (2 * len(idx)) * sum((W**2).sum() for W, _ in weights)
            for p in (p for pair in weights for p in pair):
                p.grad = None
            J.backward()
            with torch.no_grad():
                for p in (p for pair in weights for p in pair):
                    p -= alpha * p.grad
        with torch.no_grad():
            Z_train = torch_forward(weights, torch.from_numpy(d.X_train), "tanh")
            train_losses.append(cost(Z_train, d.Y_train).item())
            val_losses.append(
                cost(torch_forward(weights, torch.from_numpy(d.X_val), "tanh"), d.Y_val).item()
            )
            if kind == "bce":
                train_accuracy.append(
                    sklearn.metrics.accuracy_score(d.Y_train[0], (Z_train[0] >= 0).numpy())
                )
    assert history.epochs == epochs and not history.stopped_early
    np.testing.assert_allclose(history.train_loss, train_losses, rtol=1e-10)
    np.testing.assert_allclose(history.val_loss, val_losses, rtol=1e-10)
    if kind == "bce":
        np.testing.assert_allclose(history.train_metrics["accuracy"], train_accuracy)
    else:
        assert history.train_metrics == {}
    for layer, (W, b) in zip(net.layers, weights):
        np.testing.assert_allclose(layer.params["W"], W.detach().numpy(), rtol=1e-10, atol=1e-13)
        np.testing.assert_allclose(layer.params["b"], b.detach().numpy(), rtol=1e-10, atol=1e-13)
