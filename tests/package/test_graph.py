"""The computation-graph engine ``ddl.graph``.

* Every operation against torch autograd (float64) and against central differences, on
  shapes drawn by hypothesis: broadcasting for every binary operation in every operand order,
  reductions along every kind of axis.
* Random expression graphs (sub-expressions shared, shapes broadcast) against the same
  expression evaluated by torch.
* A dense network written with the engine's ordinary expressions against the hand-written
  backward pass of :mod:`ddl.network`; the LSTM step built as a graph against
  :mod:`ddl.recurrent`.
* Errors, gradients accumulating over several paths, long graphs.
* And that the checks here can fail: a deliberately wrong local rule is caught.
"""

import operator
from typing import NamedTuple

import numpy as np
import pytest
import torch
from finite_differences import numerical_gradient, rel_error
from hypothesis import given, settings
from hypothesis import strategies as st

import ddl.graph
from ddl.graph import Node, concat, lstm_step_graph, unbroadcast
from ddl.losses import BinaryCrossEntropy, CategoricalCrossEntropy
from ddl.network import feed_forward
from ddl.recurrent import LSTMCell, Recurrent

SETTINGS = settings(max_examples=20, deadline=None)
FEW = settings(max_examples=10, deadline=None)

seeds = st.integers(0, 2**32 - 1)
sizes = st.integers(1, 4)


# ================================================================ the two checks


def assert_close(got, expected, what, rtol=1e-12):
    """Equal to ``rtol`` of the entry, or of the largest entry (at least 1) for entries near 0.

    Two correct implementations differ by rounding, which cancellation (1 − tanh² near 1,
    a − b near a) turns into an absolute, not a relative, difference.
    """
    expected = np.asarray(expected, dtype=np.float64)
    assert np.shape(got) == expected.shape, (
        f"{what}: shape {np.shape(got)}, expected {expected.shape}"
    )
    scale = max(1.0, float(np.max(np.abs(expected), initial=0.0)))
    np.testing.assert_allclose(got, expected, rtol=rtol, atol=rtol * scale, err_msg=what)


def leaf(a):
    return torch.tensor(a, dtype=torch.float64, requires_grad=True)


def torch_grad(t):
    return np.zeros(tuple(t.shape)) if t.grad is None else t.grad.numpy()


def assert_matches_torch(build, build_torch, arrays, G):
    """``build(*nodes)`` and ``build_torch(*tensors)`` compute the same function of ``arrays``.

    Backpropagates ``G`` (of the output's shape) through both and compares the outputs and
    the gradient of every input.
    """
    nodes = [Node(a.copy()) for a in arrays]
    out = build(*nodes)
    assert isinstance(out, Node), f"expected a Node, got {type(out).__name__}"
    out.backward(G)
    tensors = [leaf(a) for a in arrays]
    out_t = build_torch(*tensors)
    (out_t * torch.tensor(G)).sum().backward()
    assert_close(out.value, out_t.detach().numpy(), "value")
    for i, (node, t) in enumerate(zip(nodes, tensors)):
        assert_close(node.grad, torch_grad(t), f"gradient of input {i}")


def assert_matches_finite_differences(build, arrays, G):
    """The engine's gradients of Σ G ⊙ build(*inputs) against central differences."""
    nodes = [Node(a.copy()) for a in arrays]
    build(*nodes).backward(G)
    inputs = [np.array(a, dtype=np.float64) for a in arrays]  # perturbed in place

    def f():
        return float(np.sum(G * build(*[Node(x) for x in inputs]).value))

    # Central differences of f lose about machine epsilon times |f| over the step (1e-6) in each
    # entry, whatever the gradient's size: where a broadcast sum cancels to a small gradient that
    # rounding dominates, so it is allowed for beside the relative error.
    rounding = 1e-9 * (1 + abs(f()))
    for i, (node, x) in enumerate(zip(nodes, inputs)):
        assert node.grad.shape == x.shape
        numerical = numerical_gradient(f, x)
        error = rel_error(node.grad, numerical)
        assert error < 1e-6 or np.max(np.abs(node.grad - numerical)) < rounding, (
            f"gradient of input {i}: relative error {error:.2e}, "
            f"largest difference {np.max(np.abs(node.grad - numerical)):.2e}"
        )


def check(build, build_torch, arrays, rng):
    """Both checks, with a random gradient G arriving at the output."""
    G = rng.standard_normal(build(*[Node(a.copy()) for a in arrays]).shape)
    assert_matches_torch(build, build_torch, arrays, G)
    assert_matches_finite_differences(build, arrays, G)


# Inputs inside each operation's domain.
def normal(rng, shape, scale=1.0):
    return np.asarray(scale * rng.standard_normal(shape))


def uniform(low, high):
    return lambda rng, shape: np.asarray(rng.uniform(low, high, shape))


def away_from_zero(rng, shape, low=0.5):
    """|x| in [low, 2]: denominators, and relu inputs away from its kink."""
    return np.asarray(rng.choice([-1.0, 1.0], size=shape) * rng.uniform(low, 2.0, size=shape))


def positive(rng, shape):
    return np.asarray(rng.uniform(0.5, 2.0, size=shape))


# ================================================================ binary operations and broadcasting

BINARY = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv}
KINDS = ["node op node", "node op array", "array op node", "node op number", "number op node"]


def broadcast_pairs(n, m):
    """(n, m) with each shape that broadcasts to it, on either side; and (n, 1) with (1, m)."""
    full, others = (n, m), [(n, m), (n, 1), (1, m), (m,), ()]
    return (
        [(full, s) for s in others]
        + [(s, full) for s in others[1:]]
        + [((n, 1), (1, m)), ((1, m), (n, 1))]
    )


def binary_case(op, kind, a, b):
    """The engine's and torch's ``a op b`` with operands of ``kind``, and the arrays that are nodes."""
    if kind == "node op node":
        return op, op, [a, b]
    if kind == "node op array":
        return (lambda x: op(x, b)), (lambda x: op(x, torch.tensor(b))), [a]
    if kind == "array op node":
        return (lambda y: op(a, y)), (lambda y: op(torch.tensor(a), y)), [b]
    if kind == "node op number":
        c = float(b.flat[0])
        return (lambda x: op(x, c)), (lambda x: op(x, c)), [a]
    c = float(a.flat[0])
    return (lambda y: op(c, y)), (lambda y: op(c, y)), [b]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("symbol", BINARY)
@given(n=sizes, m=sizes, seed=seeds)
@FEW
def test_binary_operations_broadcast_in_every_operand_order(symbol, kind, n, m, seed):
    rng = np.random.default_rng(seed)
    for shape_a, shape_b in broadcast_pairs(n, m):
        a = normal(rng, shape_a)
        b = away_from_zero(rng, shape_b) if symbol == "/" else normal(rng, shape_b)
        build, build_torch, arrays = binary_case(BINARY[symbol], kind, a, b)
        check(build, build_torch, arrays, rng)


# ================================================================ functions, entry by entry

shapes = st.lists(sizes, max_size=3).map(tuple)

UNARY = {
    "-u": (operator.neg, operator.neg, normal),
    "relu": (Node.relu, torch.relu, lambda rng, shape: away_from_zero(rng, shape, low=1e-2)),
    # not far into the flat tails, where central differences lose their digits
    "tanh": (Node.tanh, torch.tanh, uniform(-3, 3)),
    "sigmoid": (Node.sigmoid, torch.sigmoid, uniform(-5, 5)),
    "exp": (Node.exp, torch.exp, normal),
    "log": (Node.log, torch.log, positive),
}


@pytest.mark.parametrize("name", UNARY)
@given(shape=shapes, seed=seeds)
@SETTINGS
def test_functions_entry_by_entry(name, shape, seed):
    rng = np.random.default_rng(seed)
    build, build_torch, domain = UNARY[name]
    check(build, build_torch, [domain(rng, shape)], rng)


@pytest.mark.parametrize("p", [2, 3, 0, 1, -1, -2, 2.0, np.float64(3.0), 0.5, -1.5, 2.5, 1 / 3])
@given(shape=shapes, seed=seeds)
@FEW
def test_power_with_a_number_exponent(p, shape, seed):
    rng = np.random.default_rng(seed)
    # an integer exponent takes any base away from 0; any other exponent a positive base
    base = away_from_zero(rng, shape) if float(p).is_integer() else positive(rng, shape)
    check(lambda u: u**p, lambda t: t**p, [base], rng)


@pytest.mark.parametrize("c", [2, 0.5, np.e, 10.0, np.float64(3.0), 1])
@given(shape=shapes, seed=seeds)
@FEW
def test_a_positive_number_to_the_power_of_a_node(c, shape, seed):
    rng = np.random.default_rng(seed)
    check(lambda u: c**u, lambda t: c**t, [normal(rng, shape)], rng)


# ================================================================ reductions


@st.composite
def shapes_and_axes(draw, axis_kind):
    """A shape and an axis of ``axis_kind``: None, an int, a negative int, or a tuple of ints
    (each written as positive or negative)."""
    shape = tuple(draw(st.lists(sizes, min_size=0 if axis_kind == "None" else 1, max_size=3)))
    ndim = len(shape)
    if axis_kind == "None":
        return shape, None
    if axis_kind == "int":
        return shape, draw(st.integers(0, ndim - 1))
    if axis_kind == "negative int":
        return shape, draw(st.integers(-ndim, -1))
    axes = draw(st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True))
    return shape, tuple(a - ndim if draw(st.booleans()) else a for a in axes)


def torch_reduction(name, axis, keepdims):
    def build(t):
        dim = tuple(range(t.ndim)) if axis is None else axis
        return getattr(torch, name)(t, dim=dim, keepdim=keepdims)

    return build


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("axis_kind", ["None", "int", "negative int", "tuple"])
@pytest.mark.parametrize("name", ["sum", "mean", "logsumexp"])
@given(data=st.data(), seed=seeds)
@FEW
def test_reductions_along_any_axes(name, axis_kind, keepdims, data, seed):
    shape, axis = data.draw(shapes_and_axes(axis_kind), label="shape, axis")
    rng = np.random.default_rng(seed)
    build = lambda u: getattr(u, name)(axis=axis, keepdims=keepdims)
    check(build, torch_reduction(name, axis, keepdims), [normal(rng, shape, scale=2)], rng)
    # the default: every entry, to a single number
    check(
        lambda u: getattr(u, name)(), torch_reduction(name, None, False), [normal(rng, shape)], rng
    )


def test_logsumexp_of_large_values_does_not_overflow():
    x = Node(np.array([[1000.0, 1000.0], [0.0, -1000.0]]))
    out = x.logsumexp(axis=0)
    np.testing.assert_allclose(out.value, [1000.0, 1000.0], rtol=1e-15)
    out.backward(np.array([1.0, 1.0]))
    np.testing.assert_allclose(x.grad, [[1.0, 1.0], [0.0, 0.0]], atol=1e-300)


# ================================================================ matrix products


@pytest.mark.parametrize("kind", ["node @ node", "node @ array", "array @ node"])
@given(n=sizes, k=sizes, m=sizes, seed=seeds)
@SETTINGS
def test_matrix_product(kind, n, k, m, seed):
    rng = np.random.default_rng(seed)
    W, A = normal(rng, (n, k)), normal(rng, (k, m))
    if kind == "node @ node":
        check(operator.matmul, operator.matmul, [W, A], rng)
    elif kind == "node @ array":
        check(lambda w: w @ A, lambda w: w @ torch.tensor(A), [W], rng)
    else:
        check(lambda a: W @ a, lambda a: torch.tensor(W) @ a, [A], rng)


# ================================================================ moving entries around


@given(shape=shapes, data=st.data(), seed=seeds)
@SETTINGS
def test_transpose(shape, data, seed):
    rng = np.random.default_rng(seed)
    x = normal(rng, shape)
    axes = tuple(data.draw(st.permutations(range(len(shape))), label="axes"))
    check(lambda u: u.transpose(*axes), lambda t: t.permute(axes), [x], rng)
    check(lambda u: u.transpose(axes), lambda t: t.permute(axes), [x], rng)
    reverse = tuple(reversed(range(len(shape))))
    check(lambda u: u.transpose(), lambda t: t.permute(reverse), [x], rng)
    check(lambda u: u.T, lambda t: t.permute(reverse), [x], rng)


@pytest.mark.parametrize(
    ("shape", "axes"),
    [((3, 3), (-1, 0)), ((2, 3), (-1, -2)), ((2, 3, 4), (0, -1, 1)), ((2, 3, 4), (-1, 0, 1))],
)
def test_transpose_with_negative_axes(shape, axes):
    # numpy's transpose reads -1 as the last axis; so must the backward pass.  ((-1, -2) is
    # in the same order as (1, 0), the other three are not.)
    rng = np.random.default_rng(0)
    check(lambda u: u.transpose(*axes), lambda t: t.permute(axes), [normal(rng, shape)], rng)


@given(shape=shapes, data=st.data(), seed=seeds)
@SETTINGS
def test_reshape(shape, data, seed):
    rng = np.random.default_rng(seed)
    size = int(np.prod(shape))
    d = data.draw(st.sampled_from([d for d in range(1, size + 1) if size % d == 0]), label="d")
    new = data.draw(st.sampled_from([(size,), (-1,), (d, size // d), (d, -1), (1, d, size // d)]))
    x = normal(rng, shape)
    check(lambda u: u.reshape(new), lambda t: t.reshape(new), [x], rng)
    check(lambda u: u.reshape(*new), lambda t: t.reshape(new), [x], rng)


@pytest.mark.parametrize(
    "args",
    [(6,), ((6,),), (2, 3), ((2, 3),), ([3, 2],), (-1,), (3, -1), ((2, 3), 1), (2, (3,))],
    ids=repr,
)
def test_reshape_takes_its_arguments_as_numpy_does(args):
    """``u.reshape(2, 3)``, ``u.reshape((2, 3))``: the forms ``ndarray.reshape`` takes, and
    the same refusal of a shape followed by more numbers."""
    x = np.arange(6.0)
    try:
        expected = x.reshape(*args)
    except TypeError as error:
        with pytest.raises(TypeError, match=str(error)):
            Node(x).reshape(*args)
    else:
        np.testing.assert_array_equal(Node(x).reshape(*args).value, expected)


INDICES = {
    "rows from 1": np.s_[1:],
    "a column": np.s_[:, 2],
    "the last row": np.s_[-1],
    "every other column": np.s_[:, ::2],
    "an inner block": np.s_[1:-1, 1:3],
    "ellipsis": np.s_[..., 0],
    "a new axis": np.s_[None, 1:],
    "rows repeated": np.s_[[0, 2, 0, 0]],
    "columns repeated": np.s_[:, [1, 1, 2]],
    "points repeated": np.s_[[0, 1, 0], [2, 0, 2]],
}


@pytest.mark.parametrize("name", INDICES)
@given(n=st.integers(3, 5), m=st.integers(3, 5), seed=seeds)
@FEW
def test_slicing(name, n, m, seed):
    # a repeated index hands back the sum of the gradients of its copies
    rng = np.random.default_rng(seed)
    index = INDICES[name]
    check(lambda u: u[index], lambda t: t[index], [normal(rng, (n, m))], rng)


@given(n=sizes, m=sizes, seed=seeds)
@FEW
def test_slicing_with_a_mask(n, m, seed):
    rng = np.random.default_rng(seed)
    x = normal(rng, (n, m))
    mask = x > 0
    check(lambda u: u[mask], lambda t: t[torch.tensor(mask)], [x], rng)


@pytest.mark.parametrize("axis", [0, 1, -1, -2])
@given(widths=st.lists(st.integers(0, 3), min_size=1, max_size=3), n=sizes, seed=seeds)
@FEW
def test_concat_nodes_and_arrays(axis, widths, n, seed):
    # concatenated along ``axis``: parts of widths 0 to 3, and an array after the first
    rng = np.random.default_rng(seed)

    def part_shape(w):
        return (w, n) if axis in (0, -2) else (n, w)

    parts = [normal(rng, part_shape(w)) for w in widths]
    constant = normal(rng, part_shape(2))
    check(
        lambda u, *us: concat([u, constant, *us], axis=axis),
        lambda t, *ts: torch.cat([t, torch.tensor(constant), *ts], dim=axis),
        parts,
        rng,
    )


# ================================================================ numpy arrays on the left


def test_numpy_arrays_on_the_left_give_nodes():
    """``G * u``, ``X @ W``, ``1 − u``, ``2 / u``, ``2 ** u``: the node's reflected operators
    answer (numpy leaves them the operation), with the local rules written out by hand here."""
    rng = np.random.default_rng(3)
    U, G = rng.uniform(0.5, 2, (3, 4)), rng.standard_normal((3, 4))
    X = rng.standard_normal((5, 3))

    def value_and_grad(build, x, upstream):
        u = Node(x.copy())
        out = build(u)
        assert isinstance(out, Node), f"expected a Node, got {type(out).__name__}"
        out.backward(upstream)
        return out.value, u.grad

    value, grad = value_and_grad(lambda u: G * u, U, G)
    np.testing.assert_allclose(value, G * U, rtol=1e-15)
    np.testing.assert_allclose(grad, G * G, rtol=1e-15)

    H = rng.standard_normal((5, 4))
    value, grad = value_and_grad(lambda u: X @ u, U, H)
    np.testing.assert_allclose(value, X @ U, rtol=1e-14)
    np.testing.assert_allclose(grad, X.T @ H, rtol=1e-14)

    value, grad = value_and_grad(lambda u: 1 - u, U, G)
    np.testing.assert_allclose(value, 1 - U, rtol=1e-15)
    np.testing.assert_allclose(grad, -G, rtol=1e-15)

    value, grad = value_and_grad(lambda u: 2 / u, U, G)
    np.testing.assert_allclose(value, 2 / U, rtol=1e-15)
    np.testing.assert_allclose(grad, -2 / U**2 * G, rtol=1e-14)

    value, grad = value_and_grad(lambda u: 2**u, U, G)
    np.testing.assert_allclose(value, 2**U, rtol=1e-14)
    np.testing.assert_allclose(grad, np.log(2) * 2**U * G, rtol=1e-14)

    for scalar in (np.float64(2.0), np.array(2.0)):  # numpy scalars and 0-d arrays too
        value, grad = value_and_grad(lambda u, s=scalar: s * u - u / s, U, G)
        np.testing.assert_allclose(value, 1.5 * U, rtol=1e-15)
        np.testing.assert_allclose(grad, 1.5 * G, rtol=1e-15)


# ================================================================ errors


@pytest.mark.parametrize(
    ("W", "A"),
    [
        (Node(np.ones((2, 3))), Node(np.ones((4, 5)))),
        (Node(np.ones((2, 3))), np.ones((2, 3))),
        (np.ones((4, 5)), Node(np.ones((2, 3)))),
        (Node(np.ones(3)), np.ones((3, 2))),
        (Node(np.ones((2, 3))), np.ones(3)),
    ],
    ids=["node @ node", "node @ array", "array @ node", "vector @ matrix", "matrix @ vector"],
)
def test_matrix_product_of_mismatched_shapes_names_both(W, A):
    with pytest.raises(ValueError, match="W @ A") as error:
        W @ A
    message = str(error.value)
    assert str(np.shape(W)) in message
    assert str(np.shape(A)) in message


def test_backward_without_grad_on_an_array_says_what_to_pass():
    x = Node(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"backward\(grad\)") as error:
        (x * 2.0).backward()
    assert str(error.value) == (
        "backward(): this node holds an array of shape (2, 3), not a single number, so the "
        "gradient arriving at it is not 1: pass it, backward(grad) with grad of shape (2, 3), "
        "or reduce the node to a number first, e.g. node.sum().backward()."
    )
    # a single number in any shape needs no grad
    y = Node(np.full((1, 1), 3.0))
    (y * y).backward()
    assert y.grad.shape == (1, 1)
    assert y.grad[0, 0] == 6.0


@pytest.mark.parametrize("shape", [(3, 2), (2, 3, 1), (6,), ()])
def test_backward_with_a_grad_of_the_wrong_shape(shape):
    x = Node(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"\(2, 3\)") as error:
        (x * 2.0).backward(np.ones(shape))
    assert str(shape) in str(error.value)


@pytest.mark.parametrize(
    ("exponent", "got"),
    [
        (Node(np.array(2.0)), "got Node"),
        (Node(np.ones((2, 2))), "got Node"),
        (np.ones((2, 2)), "got ndarray of shape (2, 2)"),
    ],
    # not ids=repr: an array's repr holds a newline, which pytest writes differently in a
    # second session of one process (as mutmut runs them), so the test is then not found
    ids=["a number node", "an array node", "an array"],
)
def test_a_computed_or_array_exponent_is_refused(exponent, got):
    x = Node(np.ones((2, 2)))
    with pytest.raises(TypeError) as error:
        x**exponent
    assert str(error.value) == (
        f"u ** r: expected a number for the exponent r, {got}; for an exponent that is itself "
        "computed, write (u.log() * r).exp()."
    )


@pytest.mark.parametrize("base", [-2.0, 0, np.array([2.0, 3.0])], ids=repr)
def test_a_base_that_is_not_a_positive_number_is_refused(base):
    with pytest.raises(TypeError, match="positive number for the base"):
        base ** Node(np.ones(2))


# ================================================================ random expression graphs


class Program(NamedTuple):
    """Leaves of shapes that broadcast to (n, m); steps ``(op, i, j, k, extra)`` whose operands
    are earlier values (``i = 0`` the newest), so sub-expressions are shared; ``extra``
    seeds the step's own choices and constants.  The last value is reduced to a number."""

    n: int
    m: int
    leaf_shapes: list
    steps: list
    final: str
    seed: int


STEPS = [
    "add",
    "sub",
    "mul",
    "div",
    "const_left",
    "const_right",
    "neg",
    "relu",
    "tanh",
    "sigmoid",
    "exp",
    "log",
    "pow",
    "rpow",
    "reduce",
    "matmul",
    "reshape",
    "roll",
    "gather",
    "slice",
]


def family(n, m):
    return [(n, m), (n, 1), (1, m), (m,), ()]


def broadcasts_to(shape, target):
    return len(shape) <= len(target) and all(
        s in (1, t) for s, t in zip(reversed(shape), reversed(target))
    )


@st.composite
def programs(draw):
    n, m = draw(sizes), draw(sizes)
    step = st.tuples(st.sampled_from(STEPS), *[st.integers(0, 7)] * 3, st.integers(0, 2**16))
    return Program(
        n,
        m,
        draw(st.lists(st.sampled_from(family(n, m)), min_size=1, max_size=4)),
        draw(st.lists(step, min_size=1, max_size=10)),
        draw(st.sampled_from(["sum", "mean", "logsumexp", "weighted sum"])),
        draw(seeds),
    )


class EngineOps:
    """What the interpreter does differently for the engine: constants stay numpy arrays (so
    ``array op node`` goes through the node's reflected operators), reductions and concat."""

    @staticmethod
    def const(a):
        return a

    @staticmethod
    def reduce(name, x, axis, keepdims):
        return getattr(x, name)(axis=axis, keepdims=keepdims)

    @staticmethod
    def concat(xs, axis):
        return concat(xs, axis=axis)


class TorchOps:
    @staticmethod
    def const(a):
        return torch.tensor(a)

    @staticmethod
    def reduce(name, x, axis, keepdims):
        return torch_reduction(name, axis, keepdims)(x)

    @staticmethod
    def concat(xs, axis):
        return torch.cat(xs, dim=axis)


AXES = {0: [None], 1: [None, 0, -1, (0,), (-1,)], 2: [None, 0, 1, -1, -2, (0, 1), (-1, 0), (1,)]}


def run(program, leaves, ops):
    """Evaluates ``program`` on ``leaves`` (nodes or tensors); returns the number it ends with.

    Every step keeps values bounded (squashed by tanh, divided by x² + 1, ...) so that nothing
    overflows, and keeps every value broadcastable to (n, m).
    """
    n, m = program.n, program.m
    pool = list(leaves)

    def pick(i):
        return pool[len(pool) - 1 - i % len(pool)]

    def full(x):  # broadcast to (n, m)
        return x if tuple(x.shape) == (n, m) else x + ops.const(np.zeros((n, m)))

    for op, i, j, k, extra in program.steps:
        x, y, z = pick(i), pick(j), pick(k)
        r = np.random.default_rng(extra)  # the step's constants, the same for both
        # a constant: a number, or an array of a shape that broadcasts to (n, m)
        if extra % 2:
            c, c_nonzero = float(r.uniform(-2, 2)), float(r.choice([-1, 1]) * r.uniform(0.5, 2))
        else:
            shape = family(n, m)[extra % 5]
            c = ops.const(r.uniform(-2, 2, shape))
            c_nonzero = ops.const(r.choice([-1, 1], shape) * r.uniform(0.5, 2, shape))
        variant = extra // 5
        if op == "add":
            out = x + y
        elif op == "sub":
            out = x - y
        elif op == "mul":
            out = x * y.tanh()
        elif op == "div":
            out = x / (y * y + 1)
        elif op == "const_left":
            out = [c + x, c - x, c * x, c / (x * x + 1)][variant % 4]
        elif op == "const_right":
            out = [x + c, x - c, x * c, x / c_nonzero][variant % 4]
        elif op == "neg":
            out = -x
        elif op in ("relu", "tanh", "sigmoid"):
            out = getattr(x, op)()
        elif op == "exp":
            out = x.tanh().exp()
        elif op == "log":
            out = (x * x + 1).log()
        elif op == "pow":
            out = [x.tanh() ** 2, x.tanh() ** 3, (x * x + 1) ** 0.5, (x * x + 1) ** -1.5][
                variant % 4
            ]
        elif op == "rpow":
            out = [0.5, 2, np.e, 10.0][variant % 4] ** x.tanh()
        elif op == "reduce":
            name = ["sum", "mean", "logsumexp"][variant % 3]
            choices = AXES[len(x.shape)]
            axis, keepdims = choices[variant % len(choices)], bool(variant // 3 % 2)
            reduced = np.zeros(tuple(x.shape)).sum(axis=axis, keepdims=keepdims).shape
            if not broadcasts_to(reduced, (n, m)):
                keepdims = True
            out = ops.reduce(name, x, axis, keepdims)
        elif op == "matmul":
            out = [
                (full(x) @ full(y).T).tanh() @ full(z) * (1 / n),
                full(z) @ (full(x).T @ full(y)).tanh() * (1 / m),
                ops.const(r.uniform(-1, 1, (n, n)) / n) @ full(x),
            ][variant % 3]
        elif op == "reshape":
            out = [full(x).reshape(m, n).T, full(x).T.reshape((n, m))][variant % 2]
        elif op == "roll":  # rotate the columns (or rows) of x, filling from y
            s_col, s_row = extra % m, extra % n
            out = [
                ops.concat([full(x)[:, s_col:], full(y)[:, :s_col]], axis=[1, -1][variant % 2]),
                ops.concat([full(x)[s_row:], full(y)[:s_row]], axis=[0, -2][variant % 2]),
            ][variant // 2 % 2]
        elif op == "gather":  # rows (or columns) picked with repeats
            rows, cols = r.integers(0, n, n).tolist(), r.integers(0, m, m).tolist()
            out = [full(x)[rows], full(x)[:, cols]][variant % 2]
        elif op == "slice":
            s_row, s_col = extra % n, extra % m
            out = [full(x)[s_row], full(x)[s_row : s_row + 1], full(x)[:, s_col : s_col + 1]][
                variant % 3
            ]
        else:
            raise AssertionError(op)
        pool.append(out)

    last = pool[-1]
    if program.final == "weighted sum":
        G = np.random.default_rng(program.seed).standard_normal(tuple(last.shape))
        return ops.reduce("sum", ops.const(G) * last, None, False)
    return ops.reduce(program.final, last, None, False)


def assert_program_matches_torch(program, rtol=1e-10):
    rng = np.random.default_rng(program.seed)
    arrays = [np.asarray(rng.standard_normal(shape)) for shape in program.leaf_shapes]
    # Deep chains can shrink a gradient below the smallest normal float; that rounding is
    # not what is compared here (the tolerance absorbs it), so underflow is let through.
    with np.errstate(under="ignore"):
        nodes = [Node(a.copy()) for a in arrays]
        J = run(program, nodes, EngineOps)
        J.backward()
    tensors = [leaf(a) for a in arrays]
    J_t = run(program, tensors, TorchOps)
    J_t.backward()
    assert J.shape == ()
    assert_close(J.value, J_t.item(), "value", rtol)
    for i, (node, t) in enumerate(zip(nodes, tensors)):
        assert_close(node.grad, torch_grad(t), f"gradient of leaf {i}", rtol)


@given(programs())
@settings(max_examples=100, deadline=None)
def test_random_expression_graphs_match_torch(program):
    assert_program_matches_torch(program)


def test_a_hand_written_program_shares_every_value():
    # x, y; x·tanh(y); roll; ... each step reuses the previous ones, every op at least once
    steps = [(op, 0, 1, 2, 7 + 5 * v) for v in range(4) for op in STEPS]
    assert_program_matches_torch(Program(3, 4, [(3, 4), (3, 1), (4,), ()], steps, "mean", 5))


# ================================================================ a dense network


def engine_network_cost(params, X, Y, loss):
    """Z = W A + b layer by layer (relu, then identity at the last), and the cross-entropy from
    the logits written with logsumexp: log(1 + e^z) = logsumexp([0, z])."""
    A = X
    layers = list(zip(params[::2], params[1::2]))
    for l, (W, b) in enumerate(layers):
        Z = W @ A + b
        A = Z.relu() if l < len(layers) - 1 else Z
    if isinstance(loss, BinaryCrossEntropy):
        return (concat([np.zeros(Z.shape), Z]).logsumexp(axis=0) - Y * Z).mean()
    return (Z.logsumexp(axis=0) - (Y * Z).sum(axis=0)).mean()


@pytest.mark.parametrize(
    ("layer_sizes", "loss"),
    [([5, 7, 6, 1], BinaryCrossEntropy()), ([4, 8, 3], CategoricalCrossEntropy())],
    ids=["binary", "categorical"],
)
@given(m=st.integers(1, 9), seed=seeds)
@settings(max_examples=10, deadline=None)
def test_a_network_written_with_the_engine_equals_hand_written_backprop(layer_sizes, loss, m, seed):
    rng = np.random.default_rng(seed)
    net = feed_forward(layer_sizes, rng)
    for layer in net.layers:  # biases away from 0, so that their gradients are not trivial
        layer.params["b"][...] = 0.1 * rng.standard_normal(layer.params["b"].shape)
    X = rng.standard_normal((layer_sizes[0], m))
    K = layer_sizes[-1]
    if K == 1:
        Y = rng.integers(0, 2, (1, m)).astype(np.float64)
    else:
        Y = np.eye(K)[:, rng.integers(0, K, m)]

    Z = net.forward(X)
    net.backward(loss.gradient(Z, Y))

    params = [Node(p.copy()) for p in net.parameters()]
    J = engine_network_cost(params, X, Y, loss)
    J.backward()
    assert J.value == pytest.approx(loss.cost(Z, Y), rel=1e-12)
    for i, (p, expected) in enumerate(zip(params, net.gradients())):
        assert_close(p.grad, expected, f"parameter {i}", rtol=1e-10)


# ================================================================ several paths, order of the passes


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


def test_a_value_combined_with_itself():
    # u − u, u / u: the two paths cancel; u · u: they add
    x = Node(np.array([1.5, -2.0]))
    (x - x).sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.0])
    x = Node(np.array([1.5, -2.0]))
    (x / x).sum().backward()
    np.testing.assert_allclose(x.grad, [0.0, 0.0], atol=1e-16)
    x = Node(np.array([1.5, -2.0]))
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad, [3.0, -4.0])


def test_a_node_used_twice_is_backpropagated_once():
    # In a diamond the shared node must run its _backward once, after both branches.
    x = Node(np.array([2.0]))
    y = x * 3.0
    z = y * y + y.tanh()
    z.backward()
    expected = (2 * 6.0 + (1 - np.tanh(6.0) ** 2)) * 3.0
    assert x.grad[0] == pytest.approx(expected, rel=1e-14)


@pytest.mark.parametrize("order", ["b first", "c first"])
def test_a_node_runs_backward_only_after_every_node_that_uses_it(order):
    # b feeds a directly and through c: b's gradient is complete only after both.
    x = Node(np.array([0.3]))
    b = x * 2.0
    c = b.tanh()
    a = b + c if order == "b first" else c + b
    a.backward()
    assert x.grad[0] == pytest.approx(2 * (1 + (1 - np.tanh(0.6) ** 2)), rel=1e-14)


# u ↦ (the engine's operation, torch's, inputs in its domain)
USED_TWICE = {
    "u − 1": (lambda u: u - 1.0, lambda t: t - 1.0, normal),
    "u³": (lambda u: u**3, lambda t: t**3, normal),
    "relu": (Node.relu, torch.relu, away_from_zero),
    "tanh": (Node.tanh, torch.tanh, normal),
    "sigmoid": (Node.sigmoid, torch.sigmoid, normal),
    "exp": (Node.exp, torch.exp, normal),
    "log": (Node.log, torch.log, positive),
    "sum": (Node.sum, torch.sum, normal),
    "mean": (Node.mean, torch.mean, normal),
    "mean over rows": (lambda u: u.mean(axis=0), lambda t: t.mean(dim=0), normal),
    "logsumexp": (
        lambda u: u.logsumexp(axis=1),
        lambda t: torch.logsumexp(t, dim=1),
        normal,
    ),
    "transpose": (lambda u: u.T, lambda t: t.T, normal),
    "reshape": (lambda u: u.reshape(-1), lambda t: t.reshape(-1), normal),
    "slice": (lambda u: u[1:], lambda t: t[1:], normal),
    "concat": (lambda u: concat([u, u]), lambda t: torch.cat([t, t]), normal),
}


@pytest.mark.parametrize("name", USED_TWICE)
def test_an_input_of_two_nodes_gets_the_gradient_of_both(name):
    """f(u) + 2 f(u) with the two f(u) built separately: u is the parent of two nodes (of
    ``concat([u, u])``, twice the parent of one), and each adds its share to u's gradient
    (:eq:`eq-graph-accumulate`) rather than replacing what the other left there."""
    rng = np.random.default_rng(5)
    build, build_torch, domain = USED_TWICE[name]
    check(
        lambda u: build(u) + build(u) * 2.0,
        lambda t: build_torch(t) + build_torch(t) * 2.0,
        [domain(rng, (3, 4))],
        rng,
    )


def test_a_long_chain_does_not_hit_the_recursion_limit():
    x = Node(np.array([0.1]))
    y = x
    for _ in range(5000):
        y = y * 1.0 + 0.0
    y.backward()
    assert x.grad[0] == 1.0


def test_unbroadcast():
    g = np.ones((3, 4))
    np.testing.assert_array_equal(unbroadcast(g, (3, 1)), np.full((3, 1), 4.0))
    np.testing.assert_array_equal(unbroadcast(g, (1, 4)), np.full((1, 4), 3.0))
    np.testing.assert_array_equal(unbroadcast(g, (4,)), np.full((4,), 3.0))
    assert unbroadcast(g, ()) == 12.0


# ================================================================ the checks can fail


def tanh_with_the_wrong_sign(self):
    t = np.tanh(self.value)
    out = Node(t, (self,), "tanh")

    def _backward():
        self.grad -= out.grad * (1 - t * t)  # should be +=

    out._backward = _backward
    return out


def unbroadcast_by_the_mean(grad, shape):
    """The mean of the copies' gradients where their sum is right."""
    while grad.ndim > len(shape):
        grad = grad.mean(axis=0)
    for axis, n in enumerate(shape):
        if n == 1 and grad.shape[axis] != 1:
            grad = grad.mean(axis=axis, keepdims=True)
    return grad


def test_a_wrong_local_rule_is_caught(monkeypatch):
    rng = np.random.default_rng(1)
    x, G = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    build = lambda u: (u * 2.0).tanh()
    build_torch = lambda t: torch.tanh(t * 2.0)
    program = Program(3, 4, [(3, 4), (4,)], [("tanh", 0, 0, 0, 0), ("add", 0, 1, 0, 0)], "sum", 2)
    # as written, everything agrees
    assert_matches_torch(build, build_torch, [x], G)
    assert_matches_finite_differences(build, [x], G)
    assert_program_matches_torch(program)

    monkeypatch.setattr(Node, "tanh", tanh_with_the_wrong_sign)
    with pytest.raises(AssertionError, match="gradient of input 0"):
        assert_matches_torch(build, build_torch, [x], G)
    with pytest.raises(AssertionError, match="gradient of input 0"):
        assert_matches_finite_differences(build, [x], G)
    with pytest.raises(AssertionError, match="gradient of leaf 1"):
        assert_program_matches_torch(program)


def test_a_wrong_broadcasting_rule_is_caught(monkeypatch):
    rng = np.random.default_rng(2)
    Z, b, G = rng.standard_normal((3, 4)), rng.standard_normal((3, 1)), rng.standard_normal((3, 4))
    assert_matches_torch(operator.add, operator.add, [Z, b], G)

    monkeypatch.setattr(ddl.graph, "unbroadcast", unbroadcast_by_the_mean)
    with pytest.raises(AssertionError, match="gradient of input 1"):
        assert_matches_torch(operator.add, operator.add, [Z, b], G)
    with pytest.raises(AssertionError, match="gradient of input 1"):
        assert_matches_finite_differences(operator.add, [Z, b], G)


# ================================================================ the LSTM step


def lstm_inputs(n_x, n_a, m, rng):
    cell = LSTMCell(n_x, n_a, rng)
    for v in cell.params.values():
        v[...] = 0.5 * rng.standard_normal(v.shape)
    x, a_prev, c_prev = (rng.standard_normal(s) for s in [(n_x, m), (n_a, m), (n_a, m)])
    return cell, x, a_prev, c_prev


@given(n_x=sizes, n_a=sizes, m=sizes, seed=seeds)
@SETTINGS
def test_lstm_graph_equals_hand_derived_backward(n_x, n_a, m, seed):
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

    arrays = [x, a_prev, c_prev] + [cell.params[k].copy() for k in names]
    assert_matches_finite_differences(build, arrays, rng.standard_normal((3, 4)))


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


# ================================================================ the source shown to readers


def test_every_function_has_at_most_one_docstring():
    """Part 11 shows the operations to readers: a second string literal under a ``def`` is a
    stray duplicate docstring, not documentation."""
    import ast
    import inspect

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


def test_edge_values_agree_with_torch():
    # u⁰ has slope 0 everywhere, also at u = 0 (where r u^(r−1) would be 0 · ∞)
    u = Node(np.array([0.0, 1.0, -2.0]))
    (u**0).backward(np.ones(3))
    np.testing.assert_array_equal(u.grad, [0.0, 0.0, 0.0])
    # a column of −∞ has log Σ e^u = −∞, and +∞ gives +∞, as torch says
    values = np.array([[-np.inf, 1.0, np.inf], [-np.inf, 2.0, 0.0]])
    expected = torch.logsumexp(torch.tensor(values), dim=0).numpy()
    np.testing.assert_array_equal(Node(values).logsumexp(axis=0).value, expected)
    assert expected.tolist()[0] == -np.inf and expected.tolist()[2] == np.inf


def test_transpose_rejects_an_axis_out_of_range():
    with pytest.raises(np.exceptions.AxisError):
        Node(np.zeros((3, 4))).transpose(3, 0)


def test_relu_has_slope_0_at_0_as_torch():
    # max(u, 0) has a kink at 0; the engine takes the slope from the left there, as torch does
    values = np.array([-1.0, 0.0, 2.0])
    u = Node(values.copy())
    u.relu().backward(np.ones(3))
    t = leaf(values)
    torch.relu(t).sum().backward()
    np.testing.assert_array_equal(u.grad, t.grad.numpy())
    np.testing.assert_array_equal(u.grad, [0.0, 0.0, 1.0])


def test_underflow_to_0_is_not_an_error_where_the_caller_makes_it_one():
    """e^(−800) is 0 in float64, a rounding and not a mistake: a caller debugging with
    ``np.errstate(all="raise")`` gets 0, in the forward pass and the backward pass."""
    values = np.array([[-800.0, 0.0], [0.0, -800.0]])
    with np.errstate(all="raise"):
        u = Node(values.copy())
        e = u.exp()
        lse = u.logsumexp(axis=1)
        (e.sum() + lse.sum()).backward()
    t = leaf(values)
    (torch.exp(t).sum() + torch.logsumexp(t, dim=1).sum()).backward()
    np.testing.assert_array_equal(e.value, [[0.0, 1.0], [1.0, 0.0]])
    np.testing.assert_allclose(lse.value, torch.logsumexp(t, dim=1).detach().numpy(), rtol=1e-15)
    np.testing.assert_allclose(u.grad, t.grad.numpy(), rtol=1e-15, atol=1e-300)
    # a gradient of 1e-20 through e^(−700) ≈ 1e-304 is below the smallest float64: 0
    with np.errstate(all="raise"):
        u = Node(np.array([-700.0]))
        u.exp().backward(np.array([1e-20]))
    t = leaf(np.array([-700.0]))
    torch.exp(t).backward(torch.tensor([1e-20], dtype=torch.float64))
    np.testing.assert_array_equal(u.grad, t.grad.numpy())


def test_a_gradient_passed_to_a_leaf_adds_to_the_one_already_there():
    """Gradients in the graph are not reset: ``W.backward(G)`` on a parameter that
    backpropagation has already reached adds ``G`` to its gradient (a term of the cost
    differentiated by hand, say), as torch's ``backward(gradient)`` does."""
    rng = np.random.default_rng(6)
    W0, X, G = (rng.standard_normal((3, 3)) for _ in range(3))
    W = Node(W0.copy())
    (W @ X).tanh().sum().backward()
    W.backward(G)
    Wt = leaf(W0)
    torch.tanh(Wt @ torch.tensor(X)).sum().backward()
    Wt.backward(torch.tensor(G))
    assert_close(W.grad, Wt.grad.numpy(), "gradient of W")


def test_logsumexp_of_a_slice_holding_infinity_is_infinity_without_an_overflow():
    values = np.array([[np.inf, 0.0], [1000.0, 0.0]])
    expected = torch.logsumexp(torch.tensor(values), dim=0).numpy()
    with np.errstate(over="raise"):
        got = Node(values).logsumexp(axis=0).value
    np.testing.assert_array_equal(got, expected)


# ================================================================ what a reader sees of a node

# Each operation's label, ``node.op``: ``repr`` prints it, and Part 11's lead image colours and
# names the nodes of the LSTM graph by it (leaves, with the empty label, are drawn as inputs).
LABELS = {
    "u + v": ("+", lambda u, v: u + v),
    "u − v": ("−", lambda u, v: u - v),
    "−u": ("neg", lambda u, v: -u),
    "u ⊙ v": ("*", lambda u, v: u * v),
    "u / v": ("/", lambda u, v: u / v),
    "u²": ("**2", lambda u, v: u**2),
    "u vᵀ": ("@", lambda u, v: u @ v.T),
    "relu": ("relu", lambda u, v: u.relu()),
    "tanh": ("tanh", lambda u, v: u.tanh()),
    "sigmoid": ("σ", lambda u, v: u.sigmoid()),
    "exp": ("exp", lambda u, v: u.exp()),
    "log": ("log", lambda u, v: u.log()),
    "sum": ("Σ", lambda u, v: u.sum(axis=1)),
    "mean": ("mean", lambda u, v: u.mean(axis=1)),
    "logsumexp": ("logsumexp", lambda u, v: u.logsumexp(axis=1)),
    "transpose": ("ᵀ", lambda u, v: u.T),
    "reshape": ("reshape", lambda u, v: u.reshape(-1)),
    "slice": ("[]", lambda u, v: u[:, 1]),
    "concat": ("concat", lambda u, v: concat([u, v])),
}


@pytest.mark.parametrize("name", LABELS)
def test_every_operation_labels_its_node(name):
    label, build = LABELS[name]
    u, v = Node(np.full((2, 3), 2.0)), Node(np.ones((2, 3)))
    out = build(u, v)
    assert out.op == label
    assert repr(out) == f"Node(op={label!r}, shape={out.value.shape})"
    assert (u.op, v.op) == ("", "")


def test_repr_shows_the_name_when_there_is_one():
    assert repr(Node(np.zeros((2, 3)), name="W_f")) == "Node(W_f, op='', shape=(2, 3))"
    assert repr(Node(np.zeros(4))) == "Node(op='', shape=(4,))"
    assert repr(Node(1.5, name="x") * 2.0) == "Node(op='*', shape=())"


def test_float32_stays_float32():
    """A float32 input keeps its precision through the graph and its gradient, as in torch;
    integers become float64 (a gradient needs fractions)."""
    rng = np.random.default_rng(4)
    values = rng.standard_normal((3, 4)).astype(np.float32)
    u = Node(values.copy())
    out = (u * u).tanh().sum()
    out.backward()
    assert (u.value.dtype, u.grad.dtype, out.value.dtype) == (np.float32,) * 3
    t = torch.tensor(values, requires_grad=True)
    torch.tanh(t * t).sum().backward()
    np.testing.assert_allclose(u.grad, t.grad.numpy(), rtol=1e-5, atol=1e-6)
    assert Node(np.arange(3)).value.dtype == np.float64
    assert Node(2).grad.dtype == np.float64


@pytest.mark.parametrize(
    "op",
    [
        lambda u: u * 2.0,
        lambda u: 2.0 * u,
        lambda u: u + 1,
        lambda u: 1 - u,
        lambda u: u - 0.1,
        lambda u: u / 3.0,
        lambda u: 3.0 / u,
    ],
    ids=["mul", "rmul", "add-int", "rsub-int", "sub", "div", "rdiv"],
)
def test_a_python_number_keeps_a_float32_graph_in_float32_like_torch(op):
    x = np.array([[0.5, -1.25], [2.0, 0.75]], dtype=np.float32)
    u = Node(x)
    out = op(u)
    out.backward(np.ones(out.shape, np.float32))
    t = torch.tensor(x, requires_grad=True)
    expected = op(t)
    expected.sum().backward()
    assert out.value.dtype == u.grad.dtype == np.float32
    np.testing.assert_array_equal(out.value, expected.detach().numpy())
    np.testing.assert_allclose(u.grad, t.grad.numpy(), rtol=1e-6)


def test_a_numpy_array_beside_a_float32_node_keeps_its_own_dtype():
    # Only Python numbers are weak: an array is an operand with a dtype of its own, as in numpy.
    u = Node(np.ones(2, dtype=np.float32))
    assert (u * np.ones(2)).value.dtype == np.float64
    assert (u * 2.0).value.dtype == np.float32
    assert (Node(np.ones(2)) * 2.0).value.dtype == np.float64
