"""Optimisers: the first steps against the update equations worked by hand,
convergence to the minimum of a convex quadratic, and schedules."""

import math
import re

import numpy as np
import pytest

from ddl import optimisers as opt
from ddl.schedules import Constant, ExponentialDecay, InverseTimeDecay, as_schedule

# Two parameters and three fixed gradients: the hand computations below use
# plain Python floats, one scalar at a time.
THETA0 = [1.0, -2.0]
GRADS = [[0.5, -1.0], [0.2, 0.4], [-0.3, 0.1]]


def run(optimiser, steps=3):
    """Apply ``steps`` updates with the gradients above; return θ after each."""
    theta = [np.array([THETA0[0]]), np.array([[THETA0[1]]])]  # two arrays of two shapes
    history = []
    for g in GRADS[:steps]:
        optimiser.step(theta, [np.array([g[0]]), np.array([[g[1]]])])
        history.append([float(theta[0][0]), float(theta[1][0, 0])])
    return history


def by_hand(update):
    """θ after each step, from a per-scalar ``update(theta, g, state, t)``."""
    history, thetas, states = [], list(THETA0), [{}, {}]
    for t, g in enumerate(GRADS, start=1):
        for i in range(2):
            thetas[i] = update(thetas[i], g[i], states[i], t)
        history.append(list(thetas))
    return history


def test_gradient_descent():
    a = 0.1

    def update(theta, g, s, t):
        return theta - a * g

    np.testing.assert_allclose(run(opt.GradientDescent(a)), by_hand(update), rtol=1e-12)
    # and literally: 1 − 0.1·0.5 = 0.95, then 0.95 − 0.02 = 0.93, then 0.93 + 0.03 = 0.96
    assert [h[0] for h in run(opt.GradientDescent(a))] == pytest.approx([0.95, 0.93, 0.96])


def test_momentum():
    a, beta = 0.1, 0.9

    def update(theta, g, s, t):
        s["v"] = beta * s.get("v", 0.0) + (1 - beta) * g
        return theta - a * s["v"]

    np.testing.assert_allclose(run(opt.Momentum(a, beta)), by_hand(update), rtol=1e-12)
    # first step: v = 0.1·0.5 = 0.05, θ = 1 − 0.1·0.05 = 0.995
    assert run(opt.Momentum(a, beta), 1)[0][0] == pytest.approx(0.995)


def test_nesterov():
    a, beta = 0.1, 0.9

    def update(theta, g, s, t):
        s["v"] = beta * s.get("v", 0.0) + (1 - beta) * g
        return theta - a * (beta * s["v"] + (1 - beta) * g)

    np.testing.assert_allclose(run(opt.Nesterov(a, beta)), by_hand(update), rtol=1e-12)
    # first step: v = 0.05, look-ahead velocity 0.9·0.05 + 0.1·0.5 = 0.095
    assert run(opt.Nesterov(a, beta), 1)[0][0] == pytest.approx(1 - 0.0095)


def test_adagrad():
    a, eps = 0.5, 1e-8

    def update(theta, g, s, t):
        s["G"] = s.get("G", 0.0) + g * g
        return theta - a * g / (math.sqrt(s["G"]) + eps)

    np.testing.assert_allclose(run(opt.AdaGrad(a)), by_hand(update), rtol=1e-12)
    # first step moves every parameter by ≈ α, whatever the gradient's size
    assert run(opt.AdaGrad(a), 1)[0] == pytest.approx([0.5, -1.5])


def test_rmsprop():
    a, beta, eps = 0.01, 0.9, 1e-8

    def update(theta, g, s, t):
        s["s"] = beta * s.get("s", 0.0) + (1 - beta) * g * g
        return theta - a * g / (math.sqrt(s["s"]) + eps)

    np.testing.assert_allclose(run(opt.RMSProp(a, beta)), by_hand(update), rtol=1e-12)


def test_adam():
    a, b1, b2, eps = 0.01, 0.9, 0.999, 1e-8

    def update(theta, g, s, t):
        s["m"] = b1 * s.get("m", 0.0) + (1 - b1) * g
        s["v"] = b2 * s.get("v", 0.0) + (1 - b2) * g * g
        m_hat = s["m"] / (1 - b1**t)
        v_hat = s["v"] / (1 - b2**t)
        return theta - a * m_hat / (math.sqrt(v_hat) + eps)

    np.testing.assert_allclose(run(opt.Adam(a)), by_hand(update), rtol=1e-12)
    # with bias correction the first step is ≈ α·sign(g)
    assert run(opt.Adam(a), 1)[0] == pytest.approx([1 - 0.01, -2 + 0.01], rel=1e-6)


def test_a_schedule_sets_the_learning_rate_of_each_step():
    a0, k = 0.1, 0.5

    def update(theta, g, s, t):
        return theta - a0 / (1 + k * (t - 1)) * g

    np.testing.assert_allclose(
        run(opt.GradientDescent(InverseTimeDecay(a0, k))), by_hand(update), rtol=1e-12
    )


def test_schedule_values():
    assert Constant(0.3)(0) == Constant(0.3)(1000) == 0.3
    e = ExponentialDecay(0.2, 0.1)
    assert [e(t) for t in (0, 1, 10)] == pytest.approx([0.2, 0.2 * math.exp(-0.1), 0.2 / math.e])
    i = InverseTimeDecay(0.2, 0.5)
    assert [i(t) for t in (0, 1, 2, 10)] == pytest.approx([0.2, 0.2 / 1.5, 0.1, 0.2 / 6])
    with pytest.raises(ValueError, match="alpha0: expected a positive finite number"):
        ExponentialDecay(-1.0, 0.1)


# A convex quadratic J(θ) = ½ (θ − c)ᵀ A (θ − c), minimum at c, gradient A (θ − c).
A = np.array([[3.0, 0.5], [0.5, 1.0]])
C = np.array([[2.0], [-1.0]])


# Factories, not instances: an optimiser keeps state (its step count and moments), so each run
# of the test needs a fresh one, however often or in whatever order the tests are run.
@pytest.mark.parametrize(
    "make_optimiser",
    [
        lambda: opt.GradientDescent(0.3),
        lambda: opt.GradientDescent(ExponentialDecay(0.3, 1e-4)),
        lambda: opt.Momentum(0.3, 0.9),
        lambda: opt.Nesterov(0.3, 0.9),
        lambda: opt.AdaGrad(0.5),
        lambda: opt.RMSProp(ExponentialDecay(0.1, 0.002)),
        lambda: opt.Adam(InverseTimeDecay(0.1, 0.01)),
    ],
    ids=lambda make: repr(make()),
)
def test_reaches_the_minimum_of_a_convex_quadratic(make_optimiser):
    optimiser = make_optimiser()
    theta = np.array([[-3.0], [4.0]])
    grad = np.zeros_like(theta)
    for _ in range(5000):
        np.matmul(A, theta - C, out=grad)
        optimiser.step([theta], [grad])
    np.testing.assert_allclose(theta, C, atol=1e-4)


def test_state_is_per_parameter_position_and_checked():
    o = opt.Adam()
    o.step([np.zeros(2), np.zeros(3)], [np.ones(2), np.ones(3)])
    with pytest.raises(ValueError, match="params: expected the same 2 parameters"):
        o.step([np.zeros(2)], [np.ones(2)])
    with pytest.raises(ValueError, match=r"grads\[1\]: expected shape \(3,\)"):
        o.step([np.zeros(2), np.zeros(3)], [np.ones(2), np.ones(4)])
    with pytest.raises(ValueError, match="grads: expected one gradient per parameter"):
        o.step([np.zeros(2), np.zeros(3)], [np.ones(2)])


def test_float32_parameters_stay_float32():
    for o in (
        opt.GradientDescent(0.1),
        opt.Momentum(0.1),
        opt.Nesterov(0.1),
        opt.AdaGrad(0.1),
        opt.RMSProp(0.1),
        opt.Adam(0.1),
    ):
        theta = np.ones((2, 2), dtype=np.float32)
        ref = theta
        o.step([theta], [np.full((2, 2), 0.5, dtype=np.float32)])
        assert theta is ref and theta.dtype == np.float32 and np.all(theta < 1)


# ---------------------------------------------------------------- schedules: what they accept


SCHEDULES = {
    "Constant": lambda a0, k: Constant(a0),
    "ExponentialDecay": ExponentialDecay,
    "InverseTimeDecay": InverseTimeDecay,
}


@pytest.mark.parametrize("name", sorted(SCHEDULES))
@pytest.mark.parametrize("alpha0", [0, 0.0, -0.1, math.inf, math.nan, True, "0.1", None])
def test_every_schedule_refuses_an_alpha0_that_is_not_a_positive_finite_number(name, alpha0):
    message = f"alpha0: expected a positive finite number, got {alpha0!r}."
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        SCHEDULES[name](alpha0, 0.1)


@pytest.mark.parametrize("name", ["ExponentialDecay", "InverseTimeDecay"])
def test_a_decay_rate_of_zero_is_a_constant_and_a_negative_one_is_refused(name):
    schedule = SCHEDULES[name](0.25, 0)
    assert [schedule(t) for t in (0, 1, 100)] == [0.25, 0.25, 0.25]
    assert SCHEDULES[name](0.25, 0.0)(7) == 0.25
    for k in (-0.5, math.inf, math.nan, False, "0.1"):
        message = f"k: expected a non-negative finite number, got {k!r}."
        with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
            SCHEDULES[name](0.25, k)


def test_a_schedule_gives_python_floats_and_a_plain_number_becomes_a_constant():
    assert type(Constant(1)(0)) is float and Constant(1)(5) == 1.0
    assert as_schedule(2) == Constant(2.0) and type(as_schedule(2)(0)) is float
    decay = ExponentialDecay(0.1, 0.01)
    assert as_schedule(decay) is decay
    for bad in (True, "0.1", None, [0.1]):
        message = (
            "learning_rate: expected a positive float or a schedule such as "
            f"ExponentialDecay(0.1, 0.01), got {type(bad).__name__}."
        )
        with pytest.raises(TypeError, match=f"^{re.escape(message)}$"):
            as_schedule(bad)
    with pytest.raises(ValueError, match="^alpha0: expected a positive finite number, got 0.0.$"):
        as_schedule(0)


# ---------------------------------------------------------------- optimisers: what they accept

FRACTIONS = {  # every parameter that must lie in [0, 1), and how to pass it
    "Momentum beta": ("beta", lambda v: opt.Momentum(0.1, beta=v)),
    "Nesterov beta": ("beta", lambda v: opt.Nesterov(0.1, beta=v)),
    "RMSProp beta": ("beta", lambda v: opt.RMSProp(0.1, beta=v)),
    "Adam beta1": ("beta1", lambda v: opt.Adam(0.1, beta1=v)),
    "Adam beta2": ("beta2", lambda v: opt.Adam(0.1, beta2=v)),
}
EPSILONS = {
    "AdaGrad": lambda v: opt.AdaGrad(0.1, epsilon=v),
    "RMSProp": lambda v: opt.RMSProp(0.1, epsilon=v),
    "Adam": lambda v: opt.Adam(0.1, epsilon=v),
}


@pytest.mark.parametrize("case", sorted(FRACTIONS))
def test_a_decay_rate_must_lie_in_zero_one(case):
    name, make = FRACTIONS[case]
    for ok in (0, 0.0, 0.5, 0.999999):
        make(ok)
    for bad in (1, 1.0, -0.1, 1.5, True, False, "0.9", None):
        message = f"{name}: expected a number in [0, 1), got {bad!r}."
        with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
            make(bad)


@pytest.mark.parametrize("case", sorted(EPSILONS))
def test_epsilon_must_be_positive(case):
    EPSILONS[case](1e-300)
    EPSILONS[case](2)
    for bad in (0, 0.0, -1e-8, True, "1e-8", None):
        message = f"epsilon: expected a positive number, got {bad!r}."
        with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
            EPSILONS[case](bad)


def test_momentum_without_memory_is_gradient_descent():
    # β = 0 is allowed: v = g, and both momentum forms take the plain gradient step.
    plain = run(opt.GradientDescent(0.1))
    np.testing.assert_allclose(run(opt.Momentum(0.1, beta=0)), plain, rtol=1e-15)
    np.testing.assert_allclose(run(opt.Nesterov(0.1, beta=0)), plain, rtol=1e-15)


@pytest.mark.parametrize(
    ("make", "text"),
    [
        (lambda: opt.GradientDescent(0.1), "GradientDescent(learning_rate=Constant(alpha0=0.1))"),
        (lambda: opt.Momentum(0.5), "Momentum(learning_rate=Constant(alpha0=0.5))"),
        (opt.Adam, "Adam(learning_rate=Constant(alpha0=0.001))"),
        (
            lambda: opt.Adam(ExponentialDecay(0.1, 0.01)),
            "Adam(learning_rate=ExponentialDecay(alpha0=0.1, k=0.01))",
        ),
    ],
)
def test_an_optimiser_reads_as_its_class_and_learning_rate(make, text):
    assert repr(make()) == text


def test_adam_defaults_to_a_first_step_of_one_thousandth():
    # α = 0.001 by default, and the bias-corrected first step is α · sign(g).
    assert run(opt.Adam(), 1)[0] == pytest.approx([1 - 0.001, -2 + 0.001], rel=1e-6)


@pytest.mark.parametrize(
    "make",
    [
        lambda: opt.GradientDescent(0.1),
        lambda: opt.Momentum(0.1),
        lambda: opt.Nesterov(0.1),
        lambda: opt.AdaGrad(0.1),
        lambda: opt.RMSProp(0.1),
        lambda: opt.Adam(0.1),
    ],
    ids=lambda make: type(make()).__name__,
)
def test_a_gradient_whose_square_underflows_is_convergence_not_an_error(make):
    # g² = 1e-340 is below the smallest float: it rounds to zero quietly (the tests raise
    # on underflow), and the step stays finite and against the gradient.
    theta = np.array([1.0, -1.0])
    make().step([theta], [np.array([1e-170, -1e-170])])
    assert np.all(np.isfinite(theta)) and theta[0] <= 1.0 and theta[1] >= -1.0
