"""Activations: derivatives against central differences, stability, dtypes."""

import math

import numpy as np
import pytest
import torch
from finite_differences import numerical_gradient, rel_error
from hypothesis import given, settings
from hypothesis import strategies as st

from ddl import activations as act

SETTINGS = settings(max_examples=30, deadline=None)
shapes = st.tuples(st.integers(1, 6), st.integers(1, 8))
seeds = st.integers(0, 2**32 - 1)
scales = st.sampled_from([0.1, 1.0, 5.0])

ELEMENTWISE = [
    (act.sigmoid, act.sigmoid_prime),
    (act.tanh, act.tanh_prime),
    (act.relu, act.relu_prime),
    (act.leaky_relu, act.leaky_relu_prime),
    (act.identity, act.identity_prime),
]


def away_from_kink(Z):
    """Move entries off z = 0, where ReLU has no derivative, and into |z| ≤ 4.

    Beyond that tanh' and σ' fall below ~1e-4 and a central difference of a
    function close to ±1 resolves only rounding noise (1e-16 / ε); the
    saturated ends are tested for stability instead.
    """
    Z = np.clip(Z, -4, 4)
    return np.where(np.abs(Z) < 1e-3, 1e-3 + np.abs(Z), Z)


@pytest.mark.parametrize("g, g_prime", ELEMENTWISE, ids=lambda f: getattr(f, "__name__", ""))
@SETTINGS
@given(shape=shapes, seed=seeds, scale=scales)
def test_elementwise_derivative_matches_central_differences(g, g_prime, shape, seed, scale):
    rng = np.random.default_rng(seed)
    Z = away_from_kink(scale * rng.standard_normal(shape))
    G = rng.standard_normal(shape)  # J = Σ G ⊙ g(Z), so ∂J/∂Z = G ⊙ g'(Z)
    Zc = Z.copy()
    numeric = numerical_gradient(lambda: np.sum(G * g(Zc)), Zc)
    assert rel_error(G * g_prime(Z), numeric) < 1e-6


@pytest.mark.parametrize("name", sorted(act.ACTIVATIONS))
@SETTINGS
@given(shape=shapes, seed=seeds, scale=scales)
def test_activation_backward_matches_central_differences(name, shape, seed, scale):
    a = act.get_activation(name)
    rng = np.random.default_rng(seed)
    Z = away_from_kink(scale * rng.standard_normal(shape))
    dA = rng.standard_normal(shape)
    Zc = Z.copy()
    numeric = numerical_gradient(lambda: np.sum(dA * a.forward(Zc)), Zc)
    assert rel_error(a.backward(dA, Z, a.forward(Z)), numeric) < 1e-6


TORCH_ELEMENTWISE = {
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "relu": torch.relu,
    "leaky_relu": lambda z: torch.nn.functional.leaky_relu(z, negative_slope=0.01),
    "identity": lambda z: z,
}


@pytest.mark.parametrize("g, g_prime", ELEMENTWISE, ids=lambda f: getattr(f, "__name__", ""))
@SETTINGS
@given(shape=shapes, seed=seeds, scale=scales)
def test_elementwise_derivative_matches_torch_autograd(g, g_prime, shape, seed, scale):
    rng = np.random.default_rng(seed)
    Z = away_from_kink(scale * rng.standard_normal(shape))
    G = rng.standard_normal(shape)
    Zt = torch.tensor(Z, dtype=torch.float64, requires_grad=True)
    out = TORCH_ELEMENTWISE[g.__name__](Zt)
    np.testing.assert_allclose(g(Z), out.detach().numpy(), rtol=1e-12, atol=1e-15)
    (torch.from_numpy(G) * out).sum().backward()
    np.testing.assert_allclose(G * g_prime(Z), Zt.grad.numpy(), rtol=1e-10, atol=1e-14)


@SETTINGS
@given(shape=shapes, seed=seeds, scale=scales)
def test_softmax_backward_is_the_jacobian_vector_product(shape, seed, scale):
    rng = np.random.default_rng(seed)
    Z = scale * rng.standard_normal(shape)
    dA = rng.standard_normal(shape)
    A = act.softmax(Z)
    expected = np.empty(shape)
    for i in range(shape[1]):  # the full Jacobian, column by column
        a = A[:, i]
        J = np.diag(a) - np.outer(a, a)
        expected[:, i] = J.T @ dA[:, i]
    np.testing.assert_allclose(act.softmax_backward(dA, A), expected, rtol=1e-10, atol=1e-14)


def test_values_against_the_textbook_formulas():
    z = np.array([[-2.0, -0.5, 0.0, 0.5, 3.0]])
    np.testing.assert_allclose(act.sigmoid(z), [[1 / (1 + math.exp(-v)) for v in z[0]]])
    np.testing.assert_allclose(act.tanh(z), [[math.tanh(v) for v in z[0]]])
    np.testing.assert_array_equal(act.relu(z), [[0, 0, 0, 0.5, 3.0]])
    np.testing.assert_allclose(act.leaky_relu(z), [[-0.02, -0.005, 0, 0.5, 3.0]])
    np.testing.assert_array_equal(act.relu_prime(z), [[0, 0, 0, 1, 1]])
    col = np.array([[1.0], [2.0], [3.0]])
    e = [math.exp(v) for v in (1.0, 2.0, 3.0)]
    np.testing.assert_allclose(act.softmax(col)[:, 0], [v / sum(e) for v in e])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_sigmoid_is_stable_at_huge_logits(dtype):
    z = np.array([[-1000.0, -100.0, 0.0, 100.0, 1000.0]], dtype=dtype)
    s = act.sigmoid(z)  # np.seterr(all="raise") turns any warning into an error
    assert s.dtype == dtype
    assert np.all(np.isfinite(s))
    assert s[0, 0] == 0.0 and s[0, -1] == 1.0 and s[0, 2] == 0.5
    ds = act.sigmoid_prime(z)
    assert np.all(np.isfinite(ds)) and ds[0, 0] == 0.0 and ds[0, -1] == 0.0


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_softmax_subtracts_the_max_so_huge_logits_are_finite(dtype):
    Z = np.array(
        [[1000.0, -1000.0, 0.0], [999.0, -1000.0, 1e4], [-1000.0, 1000.0, 1e4]], dtype=dtype
    )
    A = act.softmax(Z)
    assert A.dtype == dtype
    assert np.all(np.isfinite(A))
    np.testing.assert_allclose(A.sum(axis=0), 1.0, rtol=1e-6)
    e = math.exp(-1.0)
    np.testing.assert_allclose(A[:, 0], [1 / (1 + e), e / (1 + e), 0.0], rtol=1e-6)
    np.testing.assert_allclose(A[:, 2], [0.0, 0.5, 0.5], rtol=1e-6)
    dZ = act.softmax_backward(np.ones_like(A), A)
    assert np.all(np.isfinite(dZ))


@SETTINGS
@given(shape=shapes, seed=seeds, shift=st.floats(-500, 500))
def test_softmax_is_shift_invariant(shape, seed, shift):
    # Subtracting the mean would not be: only a per-column constant cancels.
    Z = np.random.default_rng(seed).standard_normal(shape)
    np.testing.assert_allclose(act.softmax(Z + shift), act.softmax(Z), rtol=1e-9, atol=1e-15)


def test_softmax_of_a_column_with_one_huge_logit_is_one_hot():
    # Subtracting the column mean instead of the max overflows here.
    Z = np.array([[1000.0], [0.0], [0.0]])
    np.testing.assert_array_equal(act.softmax(Z), [[1.0], [0.0], [0.0]])


@pytest.mark.parametrize("name", sorted(act.ACTIVATIONS))
def test_float32_stays_float32(name):
    a = act.get_activation(name)
    Z = np.linspace(-3, 3, 12, dtype=np.float32).reshape(3, 4)
    A = a.forward(Z)
    assert A.dtype == np.float32
    assert a.backward(np.ones_like(A), Z, A).dtype == np.float32


def test_unknown_activation_names_the_closest():
    with pytest.raises(ValueError, match="Did you mean 'sigmoid'"):
        act.get_activation("sigmod")


@pytest.mark.parametrize("g, g_prime", ELEMENTWISE, ids=lambda f: getattr(f, "__name__", ""))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_every_function_and_derivative_keeps_the_dtype(g, g_prime, dtype):
    # The module's promise: float32 stays float32 (and float64 stays float64), derivatives too.
    Z = np.linspace(-3, 3, 12).reshape(3, 4).astype(dtype)
    assert g(Z).dtype == dtype
    assert g_prime(Z).dtype == dtype
    A = act.softmax(Z)
    assert A.dtype == act.softmax_backward(np.ones_like(A), A).dtype == dtype


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_sigmoid_layer_backward_at_saturation_does_not_report_underflow(dtype):
    # σ(−60) ≈ 8.8e-27: a small upstream gradient times σ' falls below the smallest normal
    # float and rounds; the documented behaviour is that this underflow is not reported (the
    # fixture makes numpy raise on any floating-point problem).
    a = act.get_activation("sigmoid")
    Z = np.array([[-60.0, -30.0, -5.0, 0.0]], dtype=dtype)
    dA = np.full_like(Z, 1e-300 if dtype == np.float64 else 1e-30)
    dZ = a.backward(dA, Z, a.forward(Z))
    assert dZ.dtype == dtype
    expected = [
        float(d) / (2 + math.exp(z) + math.exp(-z)) for d, z in zip(dA[0], Z[0])
    ]  # σ'(z) = 1 / (2 + e^z + e^(−z))
    with np.errstate(under="ignore"):  # the comparison itself works with subnormal numbers
        np.testing.assert_allclose(
            dZ[0], expected, rtol=1e-3, atol=np.finfo(dtype).smallest_subnormal
        )


def test_activation_lookup_by_name_by_record_and_none():
    # The documented names, each record carrying its own name; None means "identity";
    # an Activation passes through unchanged; anything else is refused with the valid names.
    names = {"identity", "sigmoid", "tanh", "relu", "leaky_relu", "softmax"}
    assert set(act.ACTIVATIONS) == names
    for name in names:
        assert act.get_activation(name).name == name
    assert act.get_activation(None) is act.ACTIVATIONS["identity"]
    custom = act.Activation("cube", lambda Z: Z**3, lambda dA, Z, A: 3 * dA * Z**2)
    assert act.get_activation(custom) is custom
    with pytest.raises(ValueError) as info:
        act.get_activation("sigmod")
    assert str(info.value) == (
        "activation: expected one of ['identity', 'leaky_relu', 'relu', 'sigmoid', 'softmax', "
        "'tanh'] or an Activation, got 'sigmod'. Did you mean 'sigmoid'?"
    )


@pytest.mark.parametrize("zero", [0.0, -0.0])
def test_relu_and_leaky_relu_slopes_at_zero_match_torch(zero):
    # The kink at z = 0 is given the slope of the left side, as torch does: 0 for ReLU, α for
    # leaky ReLU. Checked for the g' functions and for the records a layer uses.
    Z = np.array([[zero, 1.0, -1.0]])
    dA = np.array([[2.0, 3.0, 5.0]])
    for name, torch_g in [("relu", torch.relu), ("leaky_relu", TORCH_ELEMENTWISE["leaky_relu"])]:
        Zt = torch.tensor(Z, requires_grad=True)
        (torch_g(Zt) * torch.from_numpy(dA)).sum().backward()
        expected = Zt.grad.numpy()
        assert expected[0, 0] == {"relu": 0.0, "leaky_relu": 0.02}[name]
        a = act.get_activation(name)
        np.testing.assert_array_equal(a.backward(dA, Z, a.forward(Z)), expected)
        g_prime = {"relu": act.relu_prime, "leaky_relu": act.leaky_relu_prime}[name]
        np.testing.assert_array_equal(dA * g_prime(Z), expected)
        np.testing.assert_array_equal(a.forward(Z), torch_g(Zt).detach().numpy())
