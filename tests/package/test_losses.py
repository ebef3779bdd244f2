"""Losses: values against the textbook formulas, gradients against central
differences, and stability at logits of ±1000."""

import math

import numpy as np
import pytest
from finite_differences import numerical_gradient, rel_error
from hypothesis import given, settings
from hypothesis import strategies as st

from ddl import losses

SETTINGS = settings(max_examples=40, deadline=None)
seeds = st.integers(0, 2**32 - 1)


def targets(loss, shape, rng):
    if isinstance(loss, losses.MeanSquaredError):
        return rng.standard_normal(shape)
    if isinstance(loss, losses.BinaryCrossEntropy):
        return rng.integers(0, 2, shape).astype(float)
    Y = np.zeros(shape)
    Y[rng.integers(0, shape[0], shape[1]), np.arange(shape[1])] = 1
    return Y


LOSSES = [losses.MeanSquaredError(), losses.BinaryCrossEntropy(), losses.CategoricalCrossEntropy()]


@pytest.mark.parametrize("loss", LOSSES, ids=repr)
@SETTINGS
@given(n=st.integers(1, 5), m=st.integers(1, 8), seed=seeds, scale=st.sampled_from([0.5, 1.0, 3.0]))
def test_gradient_is_per_example_derivative_of_the_cost(loss, n, m, seed, scale):
    rng = np.random.default_rng(seed)
    Z = scale * rng.standard_normal((n, m))
    Y = targets(loss, (n, m), rng)
    # Logits up to ~±15: beyond that σ(z) − 1 and softmax − 1 round to 0 and
    # there is nothing left to compare (huge logits are tested for stability below).
    Zc = Z.copy()
    numeric = numerical_gradient(lambda: loss.cost(Zc, Y), Zc)
    # dZ is per example: ∂J/∂Z = dZ / m.
    assert rel_error(loss.gradient(Z, Y) / m, numeric) < 1e-6


def test_mse_by_hand():
    Y_hat = np.array([[1.0, 2.0, 4.0]])
    Y = np.array([[0.0, 2.0, 1.0]])
    assert losses.mean_squared_error(Y_hat, Y) == pytest.approx((1 + 0 + 9) / (2 * 3))
    np.testing.assert_array_equal(losses.mean_squared_error_gradient(Y_hat, Y), [[1, 0, 3]])


def test_bce_from_logits_equals_the_probability_formula():
    z = np.array([[-3.0, -0.2, 0.0, 1.5, 4.0]])
    y = np.array([[0.0, 1.0, 1.0, 0.0, 1.0]])
    p = 1 / (1 + np.exp(-z))
    expected = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    assert losses.binary_cross_entropy(z, y) == pytest.approx(expected, rel=1e-12)
    np.testing.assert_allclose(losses.binary_cross_entropy_gradient(z, y), p - y)


def test_cce_from_logits_equals_the_probability_formula():
    Z = np.array([[2.0, -1.0], [0.5, 0.0], [-1.0, 3.0]])
    Y = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    P = np.exp(Z) / np.exp(Z).sum(axis=0)
    expected = -np.sum(Y * np.log(P)) / 2
    assert losses.categorical_cross_entropy(Z, Y) == pytest.approx(expected, rel=1e-12)
    np.testing.assert_allclose(losses.categorical_cross_entropy_gradient(Z, Y), P - Y)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_bce_is_stable_at_huge_logits(dtype):
    z = np.array([[1000.0, -1000.0, 1000.0, -1000.0]], dtype=dtype)
    y = np.array([[1.0, 0.0, 0.0, 1.0]], dtype=dtype)
    J = losses.binary_cross_entropy(z, y)
    # Right answers: 0 for the two confident hits, 1000 for each confident miss.
    assert math.isfinite(J) and J == pytest.approx(2000 / 4)
    dZ = losses.binary_cross_entropy_gradient(z, y)
    assert dZ.dtype == dtype
    np.testing.assert_array_equal(dZ, [[0.0, 0.0, 1.0, -1.0]])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_cce_is_stable_at_huge_logits(dtype):
    Z = np.array([[1000.0, -1000.0], [-1000.0, 1000.0], [0.0, 0.0]], dtype=dtype)
    Y = np.array([[1.0, 1.0], [0.0, 0.0], [0.0, 0.0]], dtype=dtype)
    J = losses.categorical_cross_entropy(Z, Y)
    assert math.isfinite(J) and J == pytest.approx(2000 / 2)
    dZ = losses.categorical_cross_entropy_gradient(Z, Y)
    assert dZ.dtype == dtype
    np.testing.assert_array_equal(dZ, [[0.0, -1.0], [0.0, 1.0], [0.0, 0.0]])


def test_predict_gives_labels():
    assert losses.BinaryCrossEntropy().predict(np.array([[-0.1, 0.0, 2.0]])).tolist() == [[0, 1, 1]]
    Z = np.array([[0.1, 3.0], [2.0, -1.0]])
    assert losses.CategoricalCrossEntropy().predict(Z).tolist() == [[1, 0]]


def test_mismatched_shapes_are_reported():
    with pytest.raises(ValueError, match=r"Y: expected the shape of the network output \(1, 3\)"):
        losses.binary_cross_entropy(np.zeros((1, 3)), np.zeros((3,)))


def test_get_loss_by_name():
    assert isinstance(losses.get_loss("mse"), losses.MeanSquaredError)
    with pytest.raises(ValueError, match="Did you mean 'mse'"):
        losses.get_loss("mes")


# ---- what each loss gives the network as its output and its predictions (against scipy)


def test_each_loss_outputs_its_own_activation_of_the_logits():
    from scipy import special

    Z = np.random.default_rng(7).normal(scale=3, size=(4, 6))
    np.testing.assert_array_equal(losses.MeanSquaredError().output(Z), Z)
    np.testing.assert_allclose(losses.BinaryCrossEntropy().output(Z), special.expit(Z), rtol=1e-15)
    np.testing.assert_allclose(
        losses.CategoricalCrossEntropy().output(Z), special.softmax(Z, axis=0), rtol=1e-14
    )


def test_predictions_threshold_at_zero_take_the_largest_logit_or_pass_the_output():
    Z = np.array([[-1e-300, 0.0, 2.0, -3.0]])
    labels = losses.BinaryCrossEntropy().predict(Z)
    np.testing.assert_array_equal(labels, [[0, 1, 1, 0]])  # sigma(0) = 0.5 counts as 1
    assert labels.dtype == np.int64
    Zk = np.array([[0.1, 5.0, -1.0], [2.0, 1.0, -2.0], [0.5, 0.0, -0.5]])
    np.testing.assert_array_equal(losses.CategoricalCrossEntropy().predict(Zk), [[1, 0, 2]])
    np.testing.assert_array_equal(losses.MeanSquaredError().predict(Z), Z)


@pytest.mark.parametrize(
    "name", ["MeanSquaredError", "BinaryCrossEntropy", "CategoricalCrossEntropy"]
)
def test_a_loss_reads_as_its_constructor(name):
    assert repr(getattr(losses, name)()) == f"{name}()"


# ---- the two stable helpers, the dtype of each gradient, and the messages (against scipy and torch)


def test_softplus_and_logsumexp_agree_with_scipy_from_tiny_to_huge_logits():
    from scipy import special

    z = np.array([[-1000.0, -800.0, -40.0, -1.5, 0.0, 1e-300, 2.0, 40.0, 800.0, 1000.0]])
    # log(1 + e^z) = logaddexp(0, z); at -800 e^z underflows, which must stay silent.
    with np.errstate(under="ignore"):
        reference = np.logaddexp(0.0, z)
    np.testing.assert_allclose(losses.softplus(z), reference, rtol=1e-15, atol=0)
    Z = np.random.default_rng(11).normal(scale=4, size=(3, 5))
    Z[:, 0] = [1000.0, -1000.0, 999.0]  # e^(z - max) underflows for the -1000
    Z[:, 1] = [-1000.0, -1000.0, -1000.0]
    out = losses.logsumexp(Z)
    assert out.shape == (1, 5)
    with np.errstate(under="ignore"):
        reference = special.logsumexp(Z, axis=0, keepdims=True)
    np.testing.assert_allclose(out, reference, rtol=1e-14)


def test_a_masked_or_soft_target_costs_what_torch_says():
    """−Σ_k y_k log softmax(z)_k for any non-negative targets: a column of zeros costs nothing,
    a soft (label-smoothed) column its own cross-entropy."""
    import torch

    rng = np.random.default_rng(5)
    Z = rng.normal(scale=2, size=(4, 6))
    Y = rng.dirichlet(np.ones(4), size=6).T  # soft targets, each column sums to 1
    Y[:, 2] = 0.0  # an example that contributes nothing
    Y[:, 4] *= 2.5  # a column weighted 2.5 times
    reference = (
        torch.nn.functional.cross_entropy(
            torch.tensor(Z.T), torch.tensor(Y.T), reduction="sum"
        ).item()
        / Z.shape[1]
    )
    assert losses.categorical_cross_entropy(Z, Y) == pytest.approx(reference, rel=1e-12)
    tZ = torch.tensor(Z, requires_grad=True)
    (-(torch.tensor(Y) * torch.log_softmax(tZ, dim=0)).sum() / 6).backward()
    # softmax(Z) − Y is the derivative when each column of Y sums to 1.
    ones = np.isclose(Y.sum(axis=0), 1.0)
    assert ones.tolist() == [True, True, False, True, False, True]
    np.testing.assert_allclose(
        losses.categorical_cross_entropy_gradient(Z, Y)[:, ones] / 6,
        tZ.grad.numpy()[:, ones],
        rtol=1e-12,
    )


@pytest.mark.parametrize("loss", LOSSES, ids=repr)
def test_each_gradient_is_in_the_dtype_of_the_logits(loss):
    rng = np.random.default_rng(2)
    Z = rng.normal(size=(3, 4)).astype(np.float32)
    Y = targets(loss, (3, 4), rng)  # float64 targets
    dZ = loss.gradient(Z, Y)
    assert dZ.dtype == np.float32
    np.testing.assert_allclose(dZ, loss.gradient(Z.astype(np.float64), Y), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("loss", LOSSES, ids=repr)
def test_every_loss_reports_mismatched_shapes_in_full(loss):
    message = "Y: expected the shape of the network output (2, 3), got (3, 2)."
    for f in (loss.cost, loss.gradient):
        with pytest.raises(ValueError) as error:
            f(np.zeros((2, 3)), np.zeros((3, 2)))
        assert str(error.value) == message


def test_get_loss_names_what_it_accepts():
    with pytest.raises(ValueError) as error:
        losses.get_loss("mes")
    assert str(error.value) == (
        "loss: expected one of ['binary_cross_entropy', 'categorical_cross_entropy', 'mse'] "
        "or a Loss, got 'mes'. Did you mean 'mse'?"
    )
    mine = losses.BinaryCrossEntropy()
    assert losses.get_loss(mine) is mine
    for name in losses.LOSSES:
        assert losses.get_loss(name).name == name


def test_the_base_loss_leaves_the_computation_to_subclasses():
    base = losses.Loss()
    for call in (
        lambda: base.output(np.zeros((1, 2))),
        lambda: base.cost(0, 0),
        lambda: base.gradient(0, 0),
        lambda: base.predict(np.zeros((1, 2))),
    ):
        with pytest.raises(NotImplementedError):
            call()

    class Doubled(losses.Loss):
        def output(self, Z):
            return 2 * Z

    np.testing.assert_array_equal(Doubled().predict(np.array([[1.0, -2.0]])), [[2.0, -4.0]])


@pytest.mark.parametrize("shape", [(5,), (2, 5), (3, 2, 5)], ids=["(m,)", "(n, m)", "(T, n, m)"])
def test_elementwise_costs_are_means_over_the_last_axis_like_torch(shape):
    """The examples are on the last axis whatever comes before it (a sequence's (T, n, m)):
    the cost sums the rest and divides by m."""
    import torch

    rng = np.random.default_rng(9)
    Z = rng.normal(scale=2, size=shape)
    Y = rng.integers(0, 2, size=shape).astype(float)
    m = shape[-1]
    tZ, tY = torch.tensor(Z), torch.tensor(Y)
    bce = torch.nn.functional.binary_cross_entropy_with_logits(tZ, tY, reduction="sum") / m
    assert losses.binary_cross_entropy(Z, Y) == pytest.approx(bce.item(), rel=1e-12)
    mse = torch.nn.functional.mse_loss(tZ, tY, reduction="sum") / (2 * m)
    assert losses.mean_squared_error(Z, Y) == pytest.approx(mse.item(), rel=1e-12)
