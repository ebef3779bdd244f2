"""Lookups by name give the function of that name (checked against torch and the definitions),
and the learning-rate schedules against torch.optim.lr_scheduler."""

import math

import numpy as np
import pytest
import torch

from ddl import activations, initialisers, losses, schedules

TORCH_ACTIVATIONS = {
    "identity": (lambda z: z, lambda z: torch.ones_like(z)),
    "sigmoid": (torch.sigmoid, None),
    "tanh": (torch.tanh, None),
    "relu": (torch.relu, None),
    "leaky_relu": (lambda z: torch.nn.functional.leaky_relu(z, 0.01), None),
    "softmax": (lambda z: torch.softmax(z, dim=0), None),
}


def test_every_activation_name_is_covered():
    assert set(activations.ACTIVATIONS) == set(TORCH_ACTIVATIONS)


@pytest.mark.parametrize("name", sorted(TORCH_ACTIVATIONS))
def test_get_activation_by_name_matches_torch(name):
    rng = np.random.default_rng(0)
    Z = 3 * rng.standard_normal((4, 6))
    Z = np.where(np.abs(Z) < 1e-3, 0.1, Z)
    dA = rng.standard_normal(Z.shape)
    a = activations.get_activation(name)
    assert a.name == name
    Zt = torch.tensor(Z, requires_grad=True)
    At = TORCH_ACTIVATIONS[name][0](Zt)
    A = a.forward(Z)
    np.testing.assert_allclose(A, At.detach().numpy(), rtol=1e-13, atol=1e-15)
    (At * torch.from_numpy(dA)).sum().backward()
    np.testing.assert_allclose(a.backward(dA, Z, A), Zt.grad.numpy(), rtol=1e-11, atol=1e-14)


def test_get_activation_none_and_instances():
    Z = np.array([[-1.0, 2.0]])
    np.testing.assert_array_equal(activations.get_activation(None).forward(Z), Z)
    record = activations.get_activation("tanh")
    assert activations.get_activation(record) is record


TORCH_LOSSES = {
    "mse": lambda Z, Y: ((Z - Y) ** 2).sum() / (2 * Z.shape[1]),
    "binary_cross_entropy": lambda Z, Y: (
        torch.nn.functional.binary_cross_entropy_with_logits(Z, Y, reduction="sum") / Z.shape[1]
    ),
    "categorical_cross_entropy": lambda Z, Y: (
        torch.nn.functional.cross_entropy(Z.T, Y.T, reduction="sum") / Z.shape[1]
    ),
}


@pytest.mark.parametrize("name", sorted(TORCH_LOSSES))
def test_get_loss_by_name_matches_torch(name):
    assert set(losses.LOSSES) == set(TORCH_LOSSES)
    rng = np.random.default_rng(1)
    Z = rng.standard_normal((3, 5))
    Y = np.eye(3)[:, rng.integers(0, 3, 5)]
    loss = losses.get_loss(name)
    expected = TORCH_LOSSES[name](torch.from_numpy(Z), torch.from_numpy(Y)).item()
    assert loss.cost(Z, Y) == pytest.approx(expected, rel=1e-12)
    assert losses.get_loss(loss) is loss


SIGMAS = {
    "small_random": lambda fan_in, fan_out: 0.01,
    "xavier": lambda fan_in, fan_out: math.sqrt(2 / (fan_in + fan_out)),
    "glorot": lambda fan_in, fan_out: math.sqrt(2 / (fan_in + fan_out)),
    "he": lambda fan_in, fan_out: math.sqrt(2 / fan_in),
    "zeros": lambda fan_in, fan_out: 0.0,
}


@pytest.mark.parametrize("name", sorted(SIGMAS))
def test_get_initialiser_by_name_has_that_spread(name):
    assert set(initialisers.INITIALISERS) == set(SIGMAS)
    shape = (300, 100)  # fan-in 100, fan-out 300: the three rules give three different σ
    W = initialisers.get_initialiser(name)(shape, np.random.default_rng(2))
    sigma = SIGMAS[name](100, 300)
    assert W.shape == shape
    assert abs(W.std() - sigma) <= 0.02 * sigma  # about 7 standard errors of the estimate
    assert abs(W.mean()) <= 0.02 * sigma + 1e-300


def test_get_initialiser_passes_a_callable_through():
    def custom(shape, rng, dtype=np.float64):
        return np.full(shape, 0.5, dtype=dtype)

    assert initialisers.get_initialiser(custom) is custom


# ---------------------------------------------------------------- schedules


def torch_rates(make_scheduler, alpha0, steps):
    """The learning rate torch's scheduler gives at steps 0..steps−1."""
    param = torch.zeros(1, requires_grad=True)
    optimiser = torch.optim.SGD([param], lr=alpha0)
    scheduler = make_scheduler(optimiser)
    rates = []
    for _ in range(steps):
        rates.append(optimiser.param_groups[0]["lr"])
        optimiser.step()
        scheduler.step()
    return rates


@pytest.mark.parametrize(("alpha0", "k"), [(0.1, 0.01), (0.5, 0.3), (2.0, 0.0)])
def test_exponential_decay_matches_torch_exponential_lr(alpha0, k):
    # torch's ExponentialLR multiplies by γ each step: α0 γ^t, so γ = e^(−k).
    expected = torch_rates(
        lambda o: torch.optim.lr_scheduler.ExponentialLR(o, gamma=math.exp(-k)), alpha0, 60
    )
    got = [schedules.ExponentialDecay(alpha0, k)(t) for t in range(60)]
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    np.testing.assert_allclose(got, [alpha0 * math.exp(-k * t) for t in range(60)], rtol=1e-14)


@pytest.mark.parametrize(("alpha0", "k"), [(0.1, 0.01), (0.5, 0.3), (2.0, 0.0)])
def test_inverse_time_decay_matches_torch_lambda_lr(alpha0, k):
    expected = torch_rates(
        lambda o: torch.optim.lr_scheduler.LambdaLR(o, lambda t: 1 / (1 + k * t)), alpha0, 60
    )
    got = [schedules.InverseTimeDecay(alpha0, k)(t) for t in range(60)]
    np.testing.assert_allclose(got, expected, rtol=1e-14)


def test_constant_and_as_schedule_match_a_constant_torch_rate():
    expected = torch_rates(
        lambda o: torch.optim.lr_scheduler.ConstantLR(o, factor=1.0, total_iters=0), 0.3, 20
    )
    np.testing.assert_allclose([schedules.Constant(0.3)(t) for t in range(20)], expected)
    from_float = schedules.as_schedule(0.3)
    np.testing.assert_allclose([from_float(t) for t in range(20)], expected)
    from_int = schedules.as_schedule(2)
    assert [from_int(t) for t in (0, 7)] == [2.0, 2.0]
    decay = schedules.ExponentialDecay(0.1, 0.5)
    assert schedules.as_schedule(decay) is decay
    with pytest.raises(TypeError, match="learning_rate"):
        schedules.as_schedule("0.1")


def test_a_numpy_number_is_a_learning_rate_and_a_bool_is_not():
    rate = schedules.as_schedule(np.float32(0.25))
    assert rate(3) == 0.25 and type(rate(3)) is float
    assert schedules.ExponentialDecay(np.float64(0.1), np.int64(0))(5) == 0.1
    for flag in (True, np.bool_(True)):
        with pytest.raises(TypeError, match="learning_rate"):
            schedules.as_schedule(flag)
        with pytest.raises(ValueError, match="alpha0"):
            schedules.Constant(flag)
