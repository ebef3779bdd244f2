"""The small CNN: gradients of the whole network, and learning the 8×8 digits."""

import time

import numpy as np
import pytest
import torch
from finite_differences import numerical_gradient, rel_error

from ddl.cnn import small_cnn
from ddl.conv import Conv2D
from ddl.data import load_multiclass, one_hot, train_val_test_split
from ddl.layers import Dense
from ddl.losses import CategoricalCrossEntropy
from ddl.metrics import accuracy
from ddl.network import Network
from ddl.optimisers import Adam
from ddl.pooling import AvgPool2D, Flatten, MaxPool2D, Unflatten
from ddl.training import evaluate, train


def backprop(net, loss, X, Y):
    """The network's gradients of the cost (every parameter, then dX), by backpropagation."""
    dX = net.backward(loss.gradient(net.forward(X, training=False), Y))
    return [g.copy() for g in net.gradients()], dX / X.shape[1]


def central_differences(net, loss, X, Y):
    def J():
        return loss.cost(net.forward(X, training=False), Y)

    return [numerical_gradient(J, p) for p in net.parameters()], numerical_gradient(J, X)


def torch_small_cnn_gradients(net, X, Y, image_shape):
    """The same CNN written with torch.nn.functional, its gradients by autograd.

    ddl keeps examples on the last axis, (C, H, W, m); torch puts them first.
    """
    params = [torch.tensor(p, requires_grad=True) for p in net.parameters()]
    Xt = torch.tensor(X, requires_grad=True)
    A = Xt.reshape(*image_shape, X.shape[1]).permute(3, 0, 1, 2)
    F = torch.nn.functional
    for block in range(2):
        for i in (4 * block, 4 * block + 2):
            W, b = params[i], params[i + 1]
            A = F.relu(F.conv2d(A, W, b.reshape(-1), stride=1, padding=1))
        A = F.max_pool2d(A, 2)
    A = A.reshape(X.shape[1], -1).T  # back to (features, m), features in (C, H, W) order
    A = F.relu(params[8] @ A + params[9])
    Z = params[10] @ A + params[11]
    cost = -(torch.from_numpy(Y) * torch.log_softmax(Z, dim=0)).sum() / X.shape[1]
    cost.backward()
    return [p.grad.numpy() for p in params], Xt.grad.numpy(), cost.item()


def test_whole_cnn_gradients_match_finite_differences_and_torch():
    rng = np.random.default_rng(1)
    image_shape = (2, 6, 6)
    net = small_cnn(rng, image_shape=image_shape, n_classes=3, channels=(2, 3, 2, 2), n_hidden=5)
    for p in net.parameters():  # non-zero biases, so the ReLU/max pattern is generic
        p += 0.05 * rng.standard_normal(p.shape)
    X = rng.standard_normal((72, 4))
    Y = one_hot(rng.integers(0, 3, 4), 3)
    loss = CategoricalCrossEntropy()
    grads, dX = backprop(net, loss, X, Y)
    assert len(grads) == 12
    numeric, numeric_dX = central_differences(net, loss, X, Y)
    errors = [rel_error(g, n) for g, n in zip(grads, numeric)]
    assert max(errors) < 1e-6, errors
    assert rel_error(dX, numeric_dX) < 1e-6
    torch_grads, torch_dX, torch_cost = torch_small_cnn_gradients(net, X, Y, image_shape)
    assert loss.cost(net.forward(X, training=False), Y) == pytest.approx(torch_cost, rel=1e-12)
    for g, t in zip(grads, torch_grads):
        np.testing.assert_allclose(g, t, rtol=1e-9, atol=1e-13)
    np.testing.assert_allclose(dX, torch_dX, rtol=1e-9, atol=1e-13)


def test_strided_conv_and_avg_pool_in_a_network():
    # A different stack: strided, padded convolution and average pooling, dX too.
    rng = np.random.default_rng(2)
    net = Network(
        [
            Unflatten((3, 7, 7)),
            Conv2D(3, 4, 3, stride=2, padding=1, rng=rng, activation="relu"),
            AvgPool2D(2, stride=1),
            Flatten(),
            Dense(4 * 3 * 3, 2, "identity", "xavier", rng),
        ]
    )
    X = rng.standard_normal((147, 3))
    Y = one_hot(np.array([0, 1, 1]), 2)
    loss = CategoricalCrossEntropy()
    grads, dX = backprop(net, loss, X, Y)
    numeric, numeric_dX = central_differences(net, loss, X, Y)
    assert max(rel_error(g, n) for g, n in zip(grads, numeric)) < 1e-6
    assert rel_error(dX, numeric_dX) < 1e-6


def test_unflatten_is_the_inverse_of_flatten_and_validates():
    X = np.arange(2 * 3 * 4 * 5, dtype=float).reshape(2, 3, 4, 5)
    flat = Flatten().forward(X)
    np.testing.assert_array_equal(Unflatten((2, 3, 4)).forward(flat), X)
    with pytest.raises(ValueError, match=r"\(24, m\)"):
        Unflatten((2, 3, 4)).forward(np.zeros((23, 5)))


def digits(rng):
    X, y = load_multiclass()
    return train_val_test_split(X / 16.0, one_hot(y, 10), rng)


@pytest.mark.parametrize("seed", [0, 1])
def test_cnn_learns_the_digits(seed):
    rng = np.random.default_rng(seed)
    data = digits(rng)
    net = small_cnn(rng)
    assert isinstance(net.layers[1], Conv2D) and isinstance(net.layers[3], MaxPool2D)
    loss = CategoricalCrossEntropy()
    before = evaluate(net, loss, data.X_test, data.Y_test, {"accuracy": accuracy})["accuracy"]
    start = time.perf_counter()
    history = train(net, loss, Adam(2e-3), data, epochs=15, batch_size=32, rng=rng)
    seconds = time.perf_counter() - start
    after = evaluate(net, loss, data.X_test, data.Y_test, {"accuracy": accuracy})["accuracy"]
    assert before < 0.3  # an untrained network guesses
    assert after >= 0.95, f"held-out accuracy {after:.3f} after {seconds:.1f} s"
    assert history.train_loss[-1] < history.train_loss[0]
    # How long this takes is measured by benchmarks/cnn_digits.py, not asserted here.


def torch_small_cnn_logits(net, X, image_shape):
    """The forward pass of the same CNN written with torch.nn.functional (no autograd)."""
    P = [torch.from_numpy(p.astype(np.float64)) for p in net.parameters()]
    A = torch.from_numpy(X.astype(np.float64)).reshape(*image_shape, X.shape[1]).permute(3, 0, 1, 2)
    F = torch.nn.functional
    for block in range(2):
        for i in (4 * block, 4 * block + 2):
            A = F.relu(F.conv2d(A, P[i], P[i + 1].reshape(-1), stride=1, padding=1))
        A = F.max_pool2d(A, 2)
    A = F.relu(P[8] @ A.reshape(X.shape[1], -1).T + P[9])
    return (P[10] @ A + P[11]).numpy()


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_small_cnn_defaults_are_the_documented_digits_network(dtype):
    # Defaults: 8×8 one-channel images, 10 classes, filters (8, 8, 16, 16), 64 hidden units;
    # the 3×3 convolutions keep the size and each pooling halves it: 8×8 → 4×4 → 2×2.
    rng = np.random.default_rng(5)
    net = small_cnn(rng, dtype=dtype)
    shapes = [p.shape for p in net.parameters()]
    assert shapes == [
        (8, 1, 3, 3), (8, 1), (8, 8, 3, 3), (8, 1),
        (16, 8, 3, 3), (16, 1), (16, 16, 3, 3), (16, 1),
        (64, 16 * 2 * 2), (64, 1), (10, 64), (10, 1),
    ]  # fmt: skip
    assert all(p.dtype == dtype for p in net.parameters())
    for p in net.parameters():  # non-zero biases, so every ReLU both passes and blocks values
        p += (0.1 * rng.standard_normal(p.shape)).astype(dtype)
    X = rng.standard_normal((64, 5)).astype(dtype)
    logits = net.forward(X, training=False)
    assert logits.shape == (10, 5) and logits.dtype == dtype
    tol = 1e-12 if dtype == np.float64 else 1e-4
    np.testing.assert_allclose(
        logits, torch_small_cnn_logits(net, X, (1, 8, 8)), rtol=tol, atol=tol
    )


@pytest.mark.parametrize("channels", [(8, 8, 16), (8, 8, 16, 16, 32)])
def test_small_cnn_needs_four_numbers_of_filters(channels):
    with pytest.raises(ValueError, match=r"channels: expected four numbers of filters, got \("):
        small_cnn(np.random.default_rng(0), channels=channels)
