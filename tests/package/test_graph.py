"""The computation-graph engine: every op vs finite differences, accumulation over
several paths, and the LSTM step built as a graph vs the hand-derived backward."""

import numpy as np
import pytest
import torch
from finite_differences import numerical_gradient, rel_error
from hypothesis import given, settings
from hypothesis import strategies as st

from ddl.graph import Node, concat, lstm_step_graph, unbroadcast
from ddl.recurrent import LSTMCell, Recurrent

SETTINGS = settings(max_examples=20, deadline=None)


def check_against_finite_differences(build, arrays, rng):
    """``build(*nodes) -> Node``; compares the engine's gradients of Σ G ⊙ out with central differences."""
    out_shape = build(*[Node(a.copy()) for a in arrays]).value.shape
    G = rng.standard_normal(out_shape)

    def f():
        return float(np.sum(G * build(*[Node(a) for a in arrays]).value))

    nodes = [Node(a.copy()) for a in arrays]
    build(*nodes).backward(G)
    for node, a in zip(nodes, arrays):
        assert node.grad.shape == a.shape
        assert rel_error(node.grad, numerical_gradient(f, a)) < 1e-6


shapes = st.tuples(
    st.integers(1, 4), st.integers(1, 4), st.integers(1, 4), st.integers(0, 2**32 - 1)
)


@given(shapes)
@SETTINGS
def test_add_with_bias_broadcast(d):
    n, k, m, seed = d
    rng = np.random.default_rng(seed)
    check_against_finite_differences(
        lambda Z, b: Z + b, [rng.standard_normal((n, m)), rng.standard_normal((n, 1))], rng
    )
    check_against_finite_differences(
        lambda Z, b: b + Z, [rng.standard_normal((n, m)), rng.standard_normal((1, m))], rng
    )
    check_against_finite_differences(
        lambda Z, s: Z - s, [rng.standard_normal((n, m)), rng.standard_normal(())], rng
    )


@given(shapes)
@SETTINGS
def test_elementwise_product_matmul_tanh_sigmoid(d):
    n, k, m, seed = d
    rng = np.random.default_rng(seed)
    check_against_finite_differences(
        lambda U, V: U * V, [rng.standard_normal((n, m)), rng.standard_normal((n, m))], rng
    )
    check_against_finite_differences(
        lambda W, A: W @ A, [rng.standard_normal((n, k)), rng.standard_normal((k, m))], rng
    )
    check_against_finite_differences(lambda Z: Z.tanh(), [rng.standard_normal((n, m))], rng)
    check_against_finite_differences(lambda Z: Z.sigmoid(), [rng.standard_normal((n, m))], rng)
    check_against_finite_differences(lambda Z: 1 - Z.sigmoid(), [rng.standard_normal((n, m))], rng)


@given(shapes)
@SETTINGS
def test_concat_slice_and_a_dense_layer(d):
    n, k, m, seed = d
    rng = np.random.default_rng(seed)
    check_against_finite_differences(
        lambda A, X: concat([A, X]), [rng.standard_normal((n, m)), rng.standard_normal((k, m))], rng
    )
    check_against_finite_differences(lambda A: A[1:, :], [rng.standard_normal((n + 1, m))], rng)
    check_against_finite_differences(
        lambda W, A, b: (W @ A + b).tanh(),
        [rng.standard_normal((n, k)), rng.standard_normal((k, m)), rng.standard_normal((n, 1))],
        rng,
    )


def test_gradients_from_several_paths_add_up():
    # f(x) = x·x + x: x reaches f along three paths, so df/dx = x + x + 1
    x = Node(np.array([[3.0]]))
    (x * x + x).backward()
    assert x.grad[0, 0] == 7.0
    # a = tanh(x) used twice: f = a·a + a, df/dx = (2a + 1)(1 − a²)
    x = Node(np.array([[0.5]]))
    a = x.tanh()
    (a * a + a).backward()
    t = np.tanh(0.5)
    assert x.grad[0, 0] == pytest.approx((2 * t + 1) * (1 - t * t), rel=1e-14)
    # the same weights used by two layers (like a recurrent step)
    rng = np.random.default_rng(0)
    W, X = Node(rng.standard_normal((3, 3))), Node(rng.standard_normal((3, 2)))
    (W @ (W @ X).tanh()).sum().backward()
    Wt = torch.tensor(W.value, requires_grad=True)
    Xt = torch.tensor(X.value, requires_grad=True)
    (Wt @ torch.tanh(Wt @ Xt)).sum().backward()
    np.testing.assert_allclose(W.grad, Wt.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(X.grad, Xt.grad.numpy(), rtol=1e-12)


def test_a_node_used_twice_is_backpropagated_once():
    # In a diamond the shared node must run its _backward once, after both branches.
    x = Node(np.array([2.0]))
    y = x * 3.0
    z = y * y + y.tanh()
    z.backward()
    expected = (2 * 6.0 + (1 - np.tanh(6.0) ** 2)) * 3.0
    assert x.grad[0] == pytest.approx(expected, rel=1e-14)


def test_unbroadcast():
    g = np.ones((3, 4))
    np.testing.assert_array_equal(unbroadcast(g, (3, 1)), np.full((3, 1), 4.0))
    np.testing.assert_array_equal(unbroadcast(g, (1, 4)), np.full((1, 4), 3.0))
    np.testing.assert_array_equal(unbroadcast(g, (4,)), np.full((4,), 3.0))
    assert unbroadcast(g, ()) == 12.0


# ---------------------------------------------------------------- the LSTM step


def lstm_inputs(n_x, n_a, m, rng):
    cell = LSTMCell(n_x, n_a, rng)
    for v in cell.params.values():
        v[...] = 0.5 * rng.standard_normal(v.shape)
    x, a_prev, c_prev = (rng.standard_normal(s) for s in [(n_x, m), (n_a, m), (n_a, m)])
    return cell, x, a_prev, c_prev


@given(shapes)
@SETTINGS
def test_lstm_graph_equals_hand_derived_backward(d):
    n_x, n_a, m, seed = d
    rng = np.random.default_rng(seed)
    cell, x, a_prev, c_prev = lstm_inputs(n_x, n_a, m, rng)
    a_t, c_t, cache = cell.step_forward(x, a_prev, c_prev)
    da, dc = rng.standard_normal(a_t.shape), rng.standard_normal(c_t.shape)
    cell.zero_grads()
    da_prev, dc_prev, dx = cell.step_backward(da, dc, cache)

    P = {k: Node(v.copy(), name=k) for k, v in cell.params.items()}
    xn, an, cn = Node(x.copy()), Node(a_prev.copy()), Node(c_prev.copy())
    a_node, c_node = lstm_step_graph(xn, an, cn, P)
    np.testing.assert_allclose(a_node.value, a_t, rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(c_node.value, c_t, rtol=1e-14, atol=1e-15)
    # J = (1/m) Σ_i (da ⊙ a + dc ⊙ c)[:, i]: per-example upstream gradients da, dc, mean cost
    J = (a_node * da + c_node * dc).sum() * (1.0 / m)
    J.backward()
    for k in P:
        np.testing.assert_allclose(P[k].grad, cell.grads[k], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(m * xn.grad, dx, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(m * an.grad, da_prev, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(m * cn.grad, dc_prev, rtol=1e-10, atol=1e-12)


def test_lstm_graph_matches_finite_differences():
    rng = np.random.default_rng(7)
    cell, x, a_prev, c_prev = lstm_inputs(2, 3, 4, rng)
    names = sorted(cell.params)

    def build(x, a, c, *ps):
        a_t, c_t = lstm_step_graph(x, a, c, dict(zip(names, ps)))
        return a_t * c_t  # both outputs, one of them along two paths

    check_against_finite_differences(
        build, [x, a_prev, c_prev] + [cell.params[k].copy() for k in names], rng
    )


def test_unrolled_lstm_graph_equals_bptt():
    # T steps of the graph share the same parameter nodes: their gradients accumulate over time.
    rng = np.random.default_rng(11)
    T, n_x, n_a, m = 5, 2, 3, 4
    cell, _, _, _ = lstm_inputs(n_x, n_a, m, rng)
    X = rng.standard_normal((T, n_x, m))
    G = rng.standard_normal((n_a, m))
    layer = Recurrent(cell)
    A = layer.forward(X)
    layer.backward(G)

    P = {k: Node(v.copy()) for k, v in cell.params.items()}
    Xn = [Node(X[t].copy()) for t in range(T)]
    a, c = Node(np.zeros((n_a, m))), Node(np.zeros((n_a, m)))
    for t in range(T):
        a, c = lstm_step_graph(Xn[t], a, c, P)
    np.testing.assert_allclose(a.value, A, rtol=1e-13)
    (a * G).sum().backward(np.array(1.0 / m))
    for k in P:
        np.testing.assert_allclose(P[k].grad, layer.grads[k], rtol=1e-10, atol=1e-12)


def test_a_long_chain_does_not_hit_the_recursion_limit():
    x = Node(np.array([0.1]))
    y = x
    for _ in range(5000):
        y = y * 1.0 + 0.0
    y.backward()
    assert x.grad[0] == 1.0


@pytest.mark.parametrize("order", ["b first", "c first"])
def test_a_node_runs_backward_only_after_every_node_that_uses_it(order):
    # b feeds a directly and through c: b's gradient is complete only after both.
    x = Node(np.array([0.3]))
    b = x * 2.0
    c = b.tanh()
    a = b + c if order == "b first" else c + b
    a.backward()
    assert x.grad[0] == pytest.approx(2 * (1 + (1 - np.tanh(0.6) ** 2)), rel=1e-14)


def test_every_function_has_at_most_one_docstring():
    """Part 11 shows the operations to readers: a second string literal under a ``def`` is a
    stray duplicate docstring, not documentation."""
    import ast
    import inspect

    import ddl.graph

    tree = ast.parse(inspect.getsource(ddl.graph))
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            bare_strings = [
                statement
                for statement in node.body[1:]
                if isinstance(statement, ast.Expr)
                and isinstance(statement.value, ast.Constant)
                and isinstance(statement.value.value, str)
            ]
            assert not bare_strings, f"{node.name}: a string literal after the docstring"
