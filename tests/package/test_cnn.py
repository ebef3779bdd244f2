"""The small CNN: gradients of the whole network, and learning the 8×8 digits."""

import time

import numpy as np
import pytest

from ddl.cnn import small_cnn
from ddl.conv import Conv2D
from ddl.data import load_multiclass, one_hot, train_val_test_split
from ddl.gradcheck import check_network, numerical_gradient, relative_error
from ddl.layers import Dense
from ddl.losses import CategoricalCrossEntropy
from ddl.metrics import accuracy
from ddl.network import Network
from ddl.optimisers import Adam
from ddl.pooling import AvgPool2D, Flatten, MaxPool2D, Unflatten
from ddl.training import evaluate, train


def test_whole_cnn_gradients_match_finite_differences():
    rng = np.random.default_rng(1)
    net = small_cnn(rng, image_shape=(2, 6, 6), n_classes=3, channels=(2, 3, 2, 2), n_hidden=5)
    for p in net.parameters():  # non-zero biases, so the ReLU/max pattern is generic
        p += 0.05 * rng.standard_normal(p.shape)
    X = rng.standard_normal((72, 4))
    Y = one_hot(rng.integers(0, 3, 4), 3)
    errors = check_network(net, CategoricalCrossEntropy(), X, Y, per_parameter=True)
    assert len(errors) == 12
    assert max(errors) < 1e-6, errors


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
    assert max(check_network(net, loss, X, Y, per_parameter=True)) < 1e-6
    dX = net.backward(loss.gradient(net.forward(X), Y))
    numeric = numerical_gradient(lambda _: loss.cost(net.forward(X), Y), X)
    assert relative_error(dX / X.shape[1], numeric) < 1e-6


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
