"""Recurrent cells and backpropagation through time.

Every step backward and the whole BPTT are checked against central finite
differences; the forward passes and gradients of the RNN, GRU and LSTM are
checked against torch.nn.RNN / GRU / LSTM given the same weights.
"""

import re

import numpy as np
import pytest
import torch
from finite_differences import numerical_gradient, rel_error
from hypothesis import given, settings
from hypothesis import strategies as st

from ddl.recurrent import (
    GRUCell,
    LSTMCell,
    Recurrent,
    RNNCell,
    clip_by_global_norm,
    global_norm,
    many_to_one,
)

SETTINGS = settings(max_examples=15, deadline=None)

CELLS = {
    "rnn": lambda n_x, n_a, rng: RNNCell(n_x, n_a, rng),
    "gru": lambda n_x, n_a, rng: GRUCell(n_x, n_a, rng),
    "gru_reset_after": lambda n_x, n_a, rng: GRUCell(n_x, n_a, rng, reset_after=True),
    "lstm": lambda n_x, n_a, rng: LSTMCell(n_x, n_a, rng),
}


def randomise(cell, rng, scale=0.5):
    """Non-zero biases too, so that every term of the backward pass is exercised."""
    for v in cell.params.values():
        v[...] = scale * rng.standard_normal(v.shape)


dims = st.tuples(st.integers(1, 4), st.integers(1, 4), st.integers(1, 3), st.integers(0, 2**32 - 1))


# ---------------------------------------------------------------- one step vs finite differences


@given(dims, st.sampled_from(sorted(CELLS)))
@SETTINGS
def test_step_backward_matches_finite_differences(d, kind):
    n_x, n_a, m, seed = d
    rng = np.random.default_rng(seed)
    cell = CELLS[kind](n_x, n_a, rng)
    randomise(cell, rng)
    x = rng.standard_normal((n_x, m))
    state = [rng.standard_normal((n_a, m)) for _ in range(cell.n_states)]
    G = [rng.standard_normal((n_a, m)) for _ in range(cell.n_states)]  # dL(i)/d(a_t[, c_t])

    def J():  # mean over examples of L(i) = Σ G ⊙ (a_t[, c_t])
        *out, _ = cell.step_forward(x, *state)
        return sum(np.sum(g * o) for g, o in zip(G, out)) / m

    *_, cache = cell.step_forward(x, *state)
    cell.zero_grads()
    *dstate_prev, dx = cell.step_backward(*G, cache)
    for name, param in cell.params.items():
        assert rel_error(cell.grads[name], numerical_gradient(J, param)) < 1e-6, name
    assert rel_error(dx, m * numerical_gradient(J, x)) < 1e-6
    for ds, s in zip(dstate_prev, state):
        assert rel_error(ds, m * numerical_gradient(J, s)) < 1e-6


# ---------------------------------------------------------------- BPTT vs finite differences


@given(dims, st.integers(1, 5), st.sampled_from(sorted(CELLS)), st.booleans())
@SETTINGS
def test_bptt_matches_finite_differences(d, T, kind, return_sequences):
    n_x, n_a, m, seed = d
    rng = np.random.default_rng(seed)
    cell = CELLS[kind](n_x, n_a, rng)
    randomise(cell, rng)
    layer = Recurrent(cell, return_sequences=return_sequences)
    X = rng.standard_normal((T, n_x, m))
    G = rng.standard_normal(layer.forward(X).shape)

    def J():
        return np.sum(G * layer.forward(X)) / m

    layer.forward(X)
    dX = layer.backward(G)
    grads = {k: v.copy() for k, v in layer.grads.items()}
    for name, param in layer.params.items():
        assert rel_error(grads[name], numerical_gradient(J, param)) < 1e-6, name
    assert rel_error(dX, m * numerical_gradient(J, X)) < 1e-6


def test_backward_twice_gives_the_same_gradients():
    # grads accumulate over time steps, but must be reset between sequences
    rng = np.random.default_rng(0)
    layer = Recurrent(LSTMCell(2, 3, rng))
    X = rng.standard_normal((4, 2, 5))
    G = rng.standard_normal((3, 5))
    layer.forward(X)
    layer.backward(G)
    first = {k: v.copy() for k, v in layer.grads.items()}
    layer.forward(X)
    layer.backward(G)
    for k in first:
        np.testing.assert_array_equal(layer.grads[k], first[k])


def test_float32_stays_float32():
    rng = np.random.default_rng(0)
    layer = Recurrent(LSTMCell(2, 3, rng, dtype=np.float32), return_sequences=True)
    X = rng.standard_normal((4, 2, 5)).astype(np.float32)
    A = layer.forward(X)
    dX = layer.backward(np.ones_like(A))
    assert A.dtype == dX.dtype == np.float32
    assert all(g.dtype == np.float32 for g in layer.grads.values())
    with pytest.raises(TypeError, match="float32"):
        layer.forward(X.astype(np.float64))


def test_recurrent_validates_input():
    layer = Recurrent(RNNCell(3, 2, np.random.default_rng(0)))
    with pytest.raises(ValueError, match=r"\(T, 3, m\)"):
        layer.forward(np.zeros((5, 2, 4)))
    with pytest.raises(ValueError, match=r"\(T, 3, m\)"):
        layer.forward(np.zeros((3, 4)))


# ---------------------------------------------------------------- vs torch


def to_torch_weights(cell, kind, rng):
    """torch's (weight_ih, weight_hh, bias_ih, bias_hh) equal to the cell's parameters.

    torch keeps separate input and hidden weights and two biases whose sum is our
    single bias; gates are stacked in torch's order (GRU: r, z, n; LSTM: i, f, g, o).
    torch's GRU update gate z keeps the *old* state, so z = 1 − Γ_u: W_z = −W_u.
    """
    n_a, p = cell.n_a, cell.params

    def split(W, b, extra_bias=None):
        b_hh = rng.standard_normal(b.shape) if extra_bias is None else extra_bias
        b_ih = b - b_hh
        return W[:, n_a:], W[:, :n_a], b_ih[:, 0], b_hh[:, 0]

    if kind == "rnn":
        blocks = [split(p["W_a"], p["b_a"])]
    elif kind == "lstm":
        blocks = [split(p[f"W_{g}"], p[f"b_{g}"]) for g in "ifco"]
    else:  # GRU, reset after
        blocks = [
            split(p["W_r"], p["b_r"]),
            split(-p["W_u"], -p["b_u"]),
            split(p["W_c"], p["b_c"] + p["b_ca"], extra_bias=p["b_ca"]),
        ]
    return [torch.tensor(np.concatenate([blk[i] for blk in blocks])) for i in range(4)]


TORCH_MODULES = {"rnn": torch.nn.RNN, "gru_reset_after": torch.nn.GRU, "lstm": torch.nn.LSTM}


@given(dims, st.integers(1, 6), st.sampled_from(sorted(TORCH_MODULES)))
@SETTINGS
def test_forward_and_gradients_match_torch(d, T, kind):
    n_x, n_a, m, seed = d
    rng = np.random.default_rng(seed)
    cell = CELLS[kind](n_x, n_a, rng)
    randomise(cell, rng)
    layer = Recurrent(cell, return_sequences=True)
    X = rng.standard_normal((T, n_x, m))
    A = layer.forward(X)
    G = rng.standard_normal(A.shape)
    dX = layer.backward(G)

    module = TORCH_MODULES[kind](n_x, n_a).double()
    w_ih, w_hh, b_ih, b_hh = to_torch_weights(cell, kind, rng)
    with torch.no_grad():
        module.weight_ih_l0.copy_(w_ih)
        module.weight_hh_l0.copy_(w_hh)
        module.bias_ih_l0.copy_(b_ih)
        module.bias_hh_l0.copy_(b_hh)
    Xt = torch.tensor(X.transpose(0, 2, 1), requires_grad=True)  # torch: (T, m, n_x)
    out, _ = module(Xt)
    np.testing.assert_allclose(A, out.detach().numpy().transpose(0, 2, 1), rtol=1e-10, atol=1e-12)
    (out * torch.tensor(G.transpose(0, 2, 1))).sum().div(m).backward()

    np.testing.assert_allclose(dX, m * Xt.grad.numpy().transpose(0, 2, 1), rtol=1e-9, atol=1e-12)
    g_ih, g_hh = module.weight_ih_l0.grad.numpy(), module.weight_hh_l0.grad.numpy()
    g_bih, g_bhh = module.bias_ih_l0.grad.numpy(), module.bias_hh_l0.grad.numpy()
    if kind == "rnn":
        gates, signs = ["a"], [1]
    elif kind == "lstm":
        gates, signs = list("ifco"), [1, 1, 1, 1]
    else:
        gates, signs = ["r", "u", "c"], [1, -1, 1]
    for k, (g, sign) in enumerate(zip(gates, signs)):
        rows = slice(k * n_a, (k + 1) * n_a)
        dW = sign * layer.grads[f"W_{g}"]
        np.testing.assert_allclose(dW[:, n_a:], g_ih[rows], rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(
            sign * layer.grads[f"b_{g}"][:, 0], g_bih[rows], rtol=1e-9, atol=1e-12
        )
        np.testing.assert_allclose(dW[:, :n_a], g_hh[rows], rtol=1e-9, atol=1e-12)
        # the GRU's reset gate multiplies (W_ca a + b_ca): torch's bias_hh_n is our b_ca
        db_hidden = (
            layer.grads["b_ca"]
            if (kind == "gru_reset_after" and g == "c")
            else sign * layer.grads[f"b_{g}"]
        )
        np.testing.assert_allclose(db_hidden[:, 0], g_bhh[rows], rtol=1e-9, atol=1e-12)


def test_gru_reset_before_matches_its_equations_in_torch():
    # torch.nn.GRU applies the reset gate after the product; the series' form applies it
    # before.  Check that form against the equations written out with torch operations.
    rng = np.random.default_rng(3)
    n_x, n_a, m = 3, 4, 5
    cell = GRUCell(n_x, n_a, rng)
    randomise(cell, rng)
    x, a_prev = rng.standard_normal((n_x, m)), rng.standard_normal((n_a, m))
    a_t, cache = cell.step_forward(x, a_prev)
    G = rng.standard_normal(a_t.shape)
    cell.zero_grads()
    da_prev, dx = cell.step_backward(G, cache)

    P = {k: torch.tensor(v, requires_grad=True) for k, v in cell.params.items()}
    xt, at = torch.tensor(x, requires_grad=True), torch.tensor(a_prev, requires_grad=True)
    concat = torch.cat([at, xt])
    r = torch.sigmoid(P["W_r"] @ concat + P["b_r"])
    u = torch.sigmoid(P["W_u"] @ concat + P["b_u"])
    c = torch.tanh(P["W_c"] @ torch.cat([r * at, xt]) + P["b_c"])
    a_ref = u * c + (1 - u) * at
    np.testing.assert_allclose(a_t, a_ref.detach().numpy(), rtol=1e-12)
    (a_ref * torch.tensor(G)).sum().div(m).backward()
    for k in P:
        np.testing.assert_allclose(cell.grads[k], P[k].grad.numpy(), rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(dx, m * xt.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(da_prev, m * at.grad.numpy(), rtol=1e-10)


# ---------------------------------------------------------------- clipping


@given(
    st.lists(st.tuples(st.integers(1, 4), st.integers(1, 4)), min_size=1, max_size=4),
    st.floats(0.01, 10),
    st.integers(0, 2**32 - 1),
)
@SETTINGS
def test_clip_by_global_norm_matches_torch(shapes, max_norm, seed):
    rng = np.random.default_rng(seed)
    grads = [rng.standard_normal(s) * rng.uniform(0.1, 5) for s in shapes]
    params = [torch.zeros(s, dtype=torch.float64, requires_grad=True) for s in shapes]
    for p, g in zip(params, grads):
        p.grad = torch.tensor(g)
    expected_norm = float(torch.nn.utils.clip_grad_norm_(params, max_norm, norm_type=2.0))
    before = [g.copy() for g in grads]
    norm = clip_by_global_norm(grads, max_norm)
    assert norm == pytest.approx(expected_norm, rel=1e-12)
    assert global_norm(grads) <= max_norm * (1 + 1e-12)
    if norm <= max_norm:
        for g, b in zip(grads, before):
            np.testing.assert_array_equal(g, b)
    else:  # torch scales by max_norm / (norm + 1e-6); ours by max_norm / norm
        for g, b in zip(grads, before):
            np.testing.assert_allclose(g, b * max_norm / norm, rtol=1e-12)
            cos = np.sum(g * b) / (np.linalg.norm(g) * np.linalg.norm(b))
            assert cos == pytest.approx(1.0)


def test_clip_rejects_bad_max_norm():
    with pytest.raises(ValueError, match="max_norm"):
        clip_by_global_norm([np.ones(2)], 0)


# ---------------------------------------------------------------- many-to-one


def test_many_to_one_layers_end_in_a_dense_head():
    rng = np.random.default_rng(0)
    layers = many_to_one(LSTMCell(2, 5, rng), 1, rng)
    X = rng.standard_normal((7, 2, 3))
    A = X
    for layer in layers:
        A = layer.forward(A)
    assert A.shape == (1, 3)
    dA = np.ones_like(A)
    for layer in reversed(layers):
        dA = layer.backward(dA)
    assert dA.shape == X.shape


@pytest.mark.parametrize("cell", [RNNCell, GRUCell, LSTMCell])
def test_a_recurrent_layer_reads_as_its_cell_and_sizes(cell):
    layer = Recurrent(cell(3, 5, np.random.default_rng(0)))
    assert repr(layer) == f"Recurrent({cell.__name__}(n_x=3, n_a=5))"


# ---------------------------------------------------------------- float32, unrolled by hand


@pytest.mark.parametrize("kind", sorted(CELLS))
@pytest.mark.parametrize("return_sequences", [False, True])
def test_float32_bptt_is_the_float32_steps_unrolled(kind, return_sequences):
    # eq-bptt written out with the cell's own steps, every array float32: a zero initial
    # state, then backwards the gradient from the output at t plus the one from step t + 1.
    # The layer must compute in float32 throughout, so it agrees bit for bit.
    rng = np.random.default_rng(11)
    T, n_x, n_a, m = 5, 3, 4, 2
    cell = CELLS[kind](n_x, n_a, rng)
    randomise(cell, rng)
    for k in cell.params:
        cell.params[k] = cell.params[k].astype(np.float32)
        cell.grads[k] = cell.grads[k].astype(np.float32)
    layer = Recurrent(cell, return_sequences=return_sequences)
    X = rng.standard_normal((T, n_x, m)).astype(np.float32)
    out = layer.forward(X)
    G = rng.standard_normal(out.shape).astype(np.float32)
    dX = layer.backward(G)
    layer_grads = {k: v.copy() for k, v in cell.grads.items()}

    state = tuple(np.zeros((n_a, m), dtype=np.float32) for _ in range(cell.n_states))
    A, caches = [], []
    for t in range(T):
        *state, cache = cell.step_forward(X[t], *state)
        A.append(state[0])
        caches.append(cache)
    np.testing.assert_array_equal(out, np.stack(A) if return_sequences else A[-1])
    cell.zero_grads()
    dstate = [np.zeros((n_a, m), dtype=np.float32) for _ in range(cell.n_states)]
    dX_ref = [None] * T
    for t in reversed(range(T)):
        if return_sequences:
            dstate[0] = dstate[0] + G[t]
        elif t == T - 1:
            dstate[0] = dstate[0] + G
        *dstate, dX_ref[t] = cell.step_backward(*dstate, caches[t])
        assert all(s.dtype == np.float32 for s in dstate)
    assert dX.dtype == np.float32
    np.testing.assert_array_equal(dX, np.stack(dX_ref))
    for k, g in cell.grads.items():
        assert layer_grads[k].dtype == np.float32
        np.testing.assert_array_equal(layer_grads[k], g, err_msg=k)


@pytest.mark.parametrize("kind", sorted(CELLS))
def test_a_state_and_gradient_that_vanish_below_the_smallest_float_are_not_an_error(kind):
    # One input at the first step, then zeros, through small weights: the hidden state and the
    # gradient shrink geometrically and round to zero after a few hundred steps.  That is the
    # vanishing gradient of a long sequence, not a floating-point error (the tests raise on
    # underflow).
    rng = np.random.default_rng(12)
    T, m = 300, 2
    cell = CELLS[kind](2, 3, rng)
    for k, v in cell.params.items():
        v[...] = 0.05 * rng.standard_normal(v.shape) if k.startswith("W") else 0.0
    if kind == "lstm":
        cell.params["b_f"][...] = -3.0  # forget quickly, so that the cell state vanishes too
    if kind.startswith("gru"):
        cell.params["b_u"][...] = 5.0  # take the new state, so that the old one is not kept
    layer = Recurrent(cell, return_sequences=True)
    X = np.zeros((T, 2, m))
    X[0] = 1.0
    A = layer.forward(X)
    dA = np.zeros_like(A)
    dA[-1] = 1.0
    dX = layer.backward(dA)
    assert np.all(np.isfinite(A)) and np.all(np.isfinite(dX))
    assert np.max(np.abs(A[0])) > 1e-3 and np.max(np.abs(dX[-1])) > 1e-3
    tiny = np.finfo(np.float64).tiny  # both fell below the smallest normal float on the way
    assert np.max(np.abs(A[-1])) < tiny and np.max(np.abs(dX[0])) < tiny


def test_recurrent_input_errors_name_the_shape_expected_and_what_came():
    layer = Recurrent(RNNCell(3, 2, np.random.default_rng(0)))
    for X, got in (
        (np.zeros((5, 2, 4)), "(5, 2, 4)"),
        (np.zeros((3, 4)), "(3, 4)"),
        ([[[0.0]] * 3] * 2, "list"),
        (np.zeros((2, 3, 4, 1)), "(2, 3, 4, 1)"),
    ):
        message = f"X: expected a sequence of shape (T, 3, m), got {got}."
        with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
            layer.forward(X)
    message = (
        "X: expected dtype float64 (the cell's weights), got float32; "
        "convert the data once with X.astype(np.float64)."
    )
    with pytest.raises(TypeError, match=f"^{re.escape(message)}$"):
        layer.forward(np.zeros((5, 3, 4), dtype=np.float32))


def test_clipping_leaves_a_norm_exactly_at_the_limit_alone():
    # ‖g‖ = 5 exactly: "at most max_norm" holds, nothing is rescaled, not even an array
    # (here of integers) that could not be scaled in place.
    grads = [np.array([3, 0]), np.array([[4]])]
    assert clip_by_global_norm(grads, 5) == 5.0
    np.testing.assert_array_equal(grads[0], [3, 0])
    floats = [np.array([0.6]), np.array([0.8])]
    assert clip_by_global_norm(floats, 1.0) == 1.0
    np.testing.assert_array_equal(np.concatenate(floats), [0.6, 0.8])


def test_many_to_one_builds_in_the_dtype_asked_for():
    rng = np.random.default_rng(0)
    layers = many_to_one(GRUCell(2, 4, rng, dtype=np.float32), 3, rng, dtype=np.float32)
    assert all(p.dtype == np.float32 for layer in layers for p in layer.params.values())
    Z = layers[1].forward(layers[0].forward(rng.standard_normal((5, 2, 7)).astype(np.float32)))
    assert Z.shape == (3, 7) and Z.dtype == np.float32


@pytest.mark.parametrize("kind", sorted(CELLS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_a_cell_has_a_weight_and_a_bias_of_the_documented_shapes_per_gate(kind, dtype):
    # Every weight (n_a, n_a + n_x), every bias (n_a, 1), gradients alike, all in the dtype asked.
    n_x, n_a = 3, 5
    make = {
        "rnn": RNNCell,
        "gru": GRUCell,
        "gru_reset_after": lambda *a, **k: GRUCell(*a, reset_after=True, **k),
        "lstm": LSTMCell,
    }[kind]
    cell = make(n_x, n_a, np.random.default_rng(0), dtype=dtype)
    gates = {"rnn": "a", "gru": "ruc", "gru_reset_after": "ruc", "lstm": "fico"}[kind]
    expected = {f"W_{g}": (n_a, n_a + n_x) for g in gates} | {f"b_{g}": (n_a, 1) for g in gates}
    if kind == "gru_reset_after":
        expected["b_ca"] = (n_a, 1)
    assert {k: v.shape for k, v in cell.params.items()} == expected
    assert {k: v.shape for k, v in cell.grads.items()} == expected
    assert all(v.dtype == dtype for v in (*cell.params.values(), *cell.grads.values()))
    assert all(not np.any(v) for v in cell.grads.values())


def test_backward_before_forward_says_so():
    layer = Recurrent(RNNCell(2, 3, np.random.default_rng(0)))
    with pytest.raises(RuntimeError, match=r"^Recurrent.backward called before forward.$"):
        layer.backward(np.zeros((3, 1)))


@pytest.mark.parametrize("cell", [RNNCell, GRUCell, LSTMCell])
def test_weights_start_uniform_on_plus_minus_one_over_root_n_a_and_biases_at_zero(cell):
    # U(−1/√n_a, 1/√n_a), the usual recurrent initialisation: with many weights drawn, they
    # fill the whole interval and nothing outside it; biases start at 0 (the LSTM's forget
    # gate at forget_bias, 1 by default).
    n_x, n_a = 300, 4
    made = cell(n_x, n_a, np.random.default_rng(0))
    bound = 1 / np.sqrt(n_a)
    for name, value in made.params.items():
        if name.startswith("W"):
            assert np.all(np.abs(value) <= bound), name
            assert value.min() < -0.95 * bound and value.max() > 0.95 * bound, name
            assert abs(value.mean()) < 0.05 * bound, name
        else:
            expected = 1.0 if name == "b_f" else 0.0
            np.testing.assert_array_equal(value, np.full((n_a, 1), expected), err_msg=name)
    if cell is LSTMCell:
        lstm = LSTMCell(2, 3, np.random.default_rng(0), forget_bias=-0.5)
        np.testing.assert_array_equal(lstm.params["b_f"], np.full((3, 1), -0.5))
        np.testing.assert_array_equal(lstm.params["b_i"], np.zeros((3, 1)))


@pytest.mark.parametrize("cell", [RNNCell, GRUCell, LSTMCell])
def test_a_cell_refuses_sizes_that_are_not_positive_integers_and_a_seed_for_rng(cell):
    rng = np.random.default_rng(0)
    assert cell(np.int64(2), 1, rng).n_a == 1
    for bad in (0, -1, 2.0, True, "3", None):
        for name, args in (("n_x", (bad, 3)), ("n_a", (3, bad))):
            message = f"{name}: expected a positive integer, got {bad!r}."
            with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
                cell(*args, rng)
    message = "rng: expected a numpy.random.Generator, got int."
    with pytest.raises(TypeError, match=f"^{re.escape(message)}$"):
        cell(2, 3, 0)
