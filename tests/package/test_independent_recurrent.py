"""One step of each recurrent cell against torch's RNNCell, GRUCell and LSTMCell with the
weights copied over (forward and autograd), the many-to-one network against torch's LSTM with
a linear head, and the global norm against torch."""

import numpy as np
import pytest
import torch
from finite_differences import numerical_gradient, rel_error
from hypothesis import given, settings
from hypothesis import strategies as st

from ddl.network import Network
from ddl.recurrent import GRUCell, LSTMCell, Recurrent, RNNCell, global_norm, many_to_one

SETTINGS = settings(max_examples=20, deadline=None)
dims = st.tuples(st.integers(1, 4), st.integers(1, 4), st.integers(1, 4), st.integers(0, 2**32 - 1))


def randomise(cell, rng):
    for v in cell.params.values():
        v[...] = 0.7 * rng.standard_normal(v.shape)


def torch_blocks(cell, kind):
    """[(W_x, W_a, b_x, b_a)] per torch gate, in torch's gate order.

    ddl: one weight on [a; x] (hidden state first) and one bias per gate.  torch: a weight on
    x, one on a, and two biases that add up.  torch orders the LSTM's gates i, f, g, o and the
    GRU's r, z, n; its GRU keeps the old state with z, so z = 1 − Γ_u: W_z = −W_u, b_z = −b_u.
    The GRU's reset gate multiplies (W_ca a + b_ca), which is torch's hidden bias of n.
    """
    p, n_a = cell.params, cell.n_a

    def split(W, b, b_hidden=None):
        b_hidden = np.zeros_like(b) if b_hidden is None else b_hidden
        return W[:, n_a:], W[:, :n_a], (b - b_hidden)[:, 0], b_hidden[:, 0]

    if kind == "rnn":
        return [split(p["W_a"], p["b_a"])]
    if kind == "lstm":
        return [split(p[f"W_{g}"], p[f"b_{g}"], 0.5 * p[f"b_{g}"]) for g in "ifco"]
    return [
        split(p["W_r"], p["b_r"]),
        split(-p["W_u"], -p["b_u"]),
        split(p["W_c"], p["b_c"] + p["b_ca"], p["b_ca"]),
    ]


def ddl_grads_in_torch_layout(cell, kind):
    """The cell's gradients rearranged like torch's weight_ih, weight_hh, bias_ih, bias_hh."""
    g, n_a = cell.grads, cell.n_a
    if kind == "rnn":
        gates = [(g["W_a"], g["b_a"], g["b_a"])]
    elif kind == "lstm":
        # each torch bias adds to the same pre-activation as the ddl bias: same gradient
        gates = [(g[f"W_{k}"], g[f"b_{k}"], g[f"b_{k}"]) for k in "ifco"]
    else:
        gates = [
            (g["W_r"], g["b_r"], g["b_r"]),
            (-g["W_u"], -g["b_u"], -g["b_u"]),
            (g["W_c"], g["b_c"], g["b_ca"]),
        ]
    return (
        np.concatenate([W[:, n_a:] for W, _, _ in gates]),
        np.concatenate([W[:, :n_a] for W, _, _ in gates]),
        np.concatenate([b[:, 0] for _, b, _ in gates]),
        np.concatenate([bh[:, 0] for _, _, bh in gates]),
    )


MAKE = {
    "rnn": (lambda n_x, n_a, rng: RNNCell(n_x, n_a, rng), torch.nn.RNNCell),
    "gru": (lambda n_x, n_a, rng: GRUCell(n_x, n_a, rng, reset_after=True), torch.nn.GRUCell),
    "lstm": (lambda n_x, n_a, rng: LSTMCell(n_x, n_a, rng), torch.nn.LSTMCell),
}


@pytest.mark.parametrize("kind", sorted(MAKE))
@given(d=dims)
@SETTINGS
def test_one_step_matches_the_torch_cell(kind, d):
    n_x, n_a, m, seed = d
    rng = np.random.default_rng(seed)
    make, torch_cell = MAKE[kind]
    cell = make(n_x, n_a, rng)
    randomise(cell, rng)
    module = torch_cell(n_x, n_a).double()
    with torch.no_grad():
        for tensor, value in zip(
            (module.weight_ih, module.weight_hh, module.bias_ih, module.bias_hh),
            (np.concatenate([blk[i] for blk in torch_blocks(cell, kind)]) for i in range(4)),
        ):
            tensor.copy_(torch.from_numpy(value))
    x, a_prev, c_prev = (rng.standard_normal(s) for s in ((n_x, m), (n_a, m), (n_a, m)))
    xt = torch.tensor(x.T.copy(), requires_grad=True)  # torch: one example per row
    at = torch.tensor(a_prev.T.copy(), requires_grad=True)
    G, Gc = rng.standard_normal((n_a, m)), rng.standard_normal((n_a, m))
    cell.zero_grads()
    if kind == "lstm":
        ct = torch.tensor(c_prev.T.copy(), requires_grad=True)
        a_t, c_t, cache = cell.step_forward(x, a_prev, c_prev)
        a_ref, c_ref = module(xt, (at, ct))
        np.testing.assert_allclose(c_t, c_ref.detach().numpy().T, rtol=1e-11, atol=1e-13)
        da_prev, dc_prev, dx = cell.step_backward(G, Gc, cache)
        ((a_ref * torch.from_numpy(G.T)).sum() + (c_ref * torch.from_numpy(Gc.T)).sum()).div(
            m
        ).backward()
        np.testing.assert_allclose(dc_prev, m * ct.grad.numpy().T, rtol=1e-10, atol=1e-12)
    else:
        a_t, cache = cell.step_forward(x, a_prev)
        a_ref = module(xt, at)
        da_prev, dx = cell.step_backward(G, cache)
        (a_ref * torch.from_numpy(G.T)).sum().div(m).backward()
    np.testing.assert_allclose(a_t, a_ref.detach().numpy().T, rtol=1e-11, atol=1e-13)
    # da_prev and dx are per example; parameter gradients carry the 1/m
    np.testing.assert_allclose(da_prev, m * at.grad.numpy().T, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dx, m * xt.grad.numpy().T, rtol=1e-10, atol=1e-12)
    expected = (
        module.weight_ih.grad,
        module.weight_hh.grad,
        module.bias_ih.grad,
        module.bias_hh.grad,
    )
    for got, want in zip(ddl_grads_in_torch_layout(cell, kind), expected):
        np.testing.assert_allclose(got, want.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("cell_class", [LSTMCell, GRUCell, RNNCell])
def test_many_to_one_is_a_recurrent_layer_then_a_linear_head(cell_class):
    rng = np.random.default_rng(0)
    n_x, n_a, n_y, T, m = 3, 5, 2, 6, 4
    cell = cell_class(n_x, n_a, rng)
    randomise(cell, rng)
    layers = many_to_one(cell, n_y, rng)
    recurrent, head = layers
    assert isinstance(recurrent, Recurrent) and recurrent.cell is cell
    assert not recurrent.return_sequences
    assert (head.n_in, head.n_out, head.activation.name) == (n_a, n_y, "identity")
    assert np.all(head.params["b"] == 0)
    # The head starts from Xavier's spread, 2 / (n_a + n_y), seen over many draws.
    spread = np.concatenate(
        [
            many_to_one(cell_class(n_x, n_a, rng), n_y, rng)[1].params["W"].ravel()
            for _ in range(2000)
        ]
    ).std()
    assert abs(spread - np.sqrt(2 / (n_a + n_y))) < 0.03 * np.sqrt(2 / (n_a + n_y))

    head.params["b"][...] = rng.standard_normal((n_y, 1))
    net = Network(layers)
    X = rng.standard_normal((T, n_x, m))
    Z = net.forward(X)
    G = rng.standard_normal(Z.shape)
    dX = net.backward(G)

    # The same computation in torch: the cell's step unrolled from a zero state, the head on a⟨T⟩.
    P = {k: torch.tensor(v, requires_grad=True) for k, v in cell.params.items()}
    Wy = torch.tensor(head.params["W"], requires_grad=True)
    by = torch.tensor(head.params["b"], requires_grad=True)
    Xt = torch.tensor(X, requires_grad=True)
    a = torch.zeros((n_a, m), dtype=torch.float64)
    c = torch.zeros((n_a, m), dtype=torch.float64)
    for t in range(T):
        xa = torch.cat([a, Xt[t]])
        if cell_class is RNNCell:
            a = torch.tanh(P["W_a"] @ xa + P["b_a"])
        elif cell_class is LSTMCell:
            f, i = torch.sigmoid(P["W_f"] @ xa + P["b_f"]), torch.sigmoid(P["W_i"] @ xa + P["b_i"])
            o, g = torch.sigmoid(P["W_o"] @ xa + P["b_o"]), torch.tanh(P["W_c"] @ xa + P["b_c"])
            c = f * c + i * g
            a = o * torch.tanh(c)
        else:
            r, u = torch.sigmoid(P["W_r"] @ xa + P["b_r"]), torch.sigmoid(P["W_u"] @ xa + P["b_u"])
            g = torch.tanh(P["W_c"] @ torch.cat([r * a, Xt[t]]) + P["b_c"])
            a = u * g + (1 - u) * a
    Zt = Wy @ a + by
    np.testing.assert_allclose(Z, Zt.detach().numpy(), rtol=1e-11, atol=1e-13)
    (Zt * torch.from_numpy(G)).sum().div(m).backward()
    np.testing.assert_allclose(dX, m * Xt.grad.numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(head.grads["W"], Wy.grad.numpy(), rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(head.grads["b"], by.grad.numpy(), rtol=1e-10, atol=1e-13)
    for k in cell.params:
        np.testing.assert_allclose(
            cell.grads[k], P[k].grad.numpy(), rtol=1e-9, atol=1e-12, err_msg=k
        )

    # and against central differences of J = (1/m) Σ G ⊙ Z
    grads = [g.copy() for g in net.gradients()]

    def J():
        return np.sum(G * net.forward(X)) / m

    for p, g in zip(net.parameters(), grads):
        assert rel_error(g, numerical_gradient(J, p)) < 1e-6
    assert rel_error(dX / m, numerical_gradient(J, X)) < 1e-6


@given(
    st.lists(st.tuples(st.integers(1, 4), st.integers(1, 4)), min_size=1, max_size=5),
    st.integers(0, 2**32 - 1),
)
@SETTINGS
def test_global_norm_matches_torch(shapes, seed):
    rng = np.random.default_rng(seed)
    grads = [rng.standard_normal(s) * rng.uniform(0.01, 100) for s in shapes]
    flat = torch.cat([torch.from_numpy(g).reshape(-1) for g in grads])
    assert global_norm(grads) == pytest.approx(torch.linalg.vector_norm(flat).item(), rel=1e-13)
