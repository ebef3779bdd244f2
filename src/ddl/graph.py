"""Backpropagation through anything (Part 11): a small reverse-mode engine.

Any computation is a graph of simple operations.  Each :class:`Node` holds a
``value`` (a numpy array), the ``grad`` of the final result with respect to
that value, and the nodes it was computed from.  Every operation computes its
forward value and, right beside it, a closure ``_backward`` that applies the
*local* derivative: it takes ``out.grad`` and adds its share to each parent's
``grad``.  "Adds" matters (:eq:`eq-graph-accumulate`): a value used along
several paths receives the sum of the gradients of every path.

:meth:`Node.backward` sorts the graph topologically and calls every
``_backward`` once, from the output back to the inputs: that is all
backpropagation is.

Shapes follow numpy broadcasting in every elementwise binary operation; a bias ``(n, 1)``
added to ``(n, m)`` is broadcast over the ``m`` columns in the forward pass, so
in the backward pass its gradient is summed over them (:func:`unbroadcast`).

The operations, each with its local rule in Part 11: ``+ - * /`` and ``**``
(a number exponent r), unary ``-``, with numbers or arrays on either side;
``@``; ``relu``, ``tanh``, ``sigmoid``, ``exp``, ``log``; ``sum``, ``mean`` and
``logsumexp`` over everything or along axes; ``T``/``transpose``, ``reshape``,
slicing and :func:`concat`.  A numpy array on the left of an operator works too
(``G * node``): ``__array_ufunc__ = None`` tells numpy to leave the operation
to the node.

Equation labels: ``eq-graph-accumulate``, ``eq-graph-broadcast``, ``eq-graph-add``,
``eq-graph-sub``, ``eq-graph-mul``, ``eq-graph-div``, ``eq-graph-pow``, ``eq-graph-matmul``,
``eq-graph-relu``, ``eq-graph-tanh``, ``eq-graph-sigmoid``, ``eq-graph-exp``, ``eq-graph-log``,
``eq-graph-sum``, ``eq-graph-mean``, ``eq-graph-logsumexp``, ``eq-graph-reshape``, and
``eq-lstm-step`` (shared with :mod:`ddl.recurrent`).
"""

from __future__ import annotations

import numpy as np

from .activations import sigmoid as _sigmoid

__all__ = ["Node", "concat", "lstm_step_graph", "unbroadcast"]


def unbroadcast(grad: np.ndarray, shape: tuple) -> np.ndarray:
    """Sum ``grad`` over the axes along which a value of ``shape`` was broadcast.

    Implements :eq:`eq-graph-broadcast`: a value copied to ``k`` places receives
    the sum of the ``k`` gradients.
    """
    while grad.ndim > len(shape):
        grad = grad.sum(axis=0)
    for axis, n in enumerate(shape):
        if n == 1 and grad.shape[axis] != 1:
            grad = grad.sum(axis=axis, keepdims=True)
    return grad


def _spread(grad: np.ndarray, axis, keepdims: bool, shape: tuple) -> np.ndarray:
    """The gradient of a reduction over ``axis``, copied back to every entry it reduced."""
    if axis is not None and not keepdims:
        grad = np.expand_dims(grad, axis)
    return np.broadcast_to(grad, shape)


def _count(shape: tuple, axis) -> int:
    """How many entries a reduction over ``axis`` of an array of ``shape`` takes in."""
    if axis is None:
        return int(np.prod(shape, dtype=np.int64))
    axes = (axis,) if isinstance(axis, (int, np.integer)) else axis
    return int(np.prod([shape[a] for a in axes], dtype=np.int64))


class Node:
    """A value in a computation graph, its gradient and how it was made."""

    __array_ufunc__ = None  # ``array * node`` calls ``node.__rmul__``, not numpy

    def __init__(self, value, parents=(), op="", name=""):
        value = np.asarray(value)
        self.value = value if value.dtype.kind == "f" else value.astype(np.float64)
        # np.zeros, not zeros_like: the allocator need not write memory already zero
        self.grad = np.zeros(self.value.shape, self.value.dtype)
        self.parents = parents
        self.op = op
        self.name = name
        self._backward = lambda: None

    def __repr__(self):
        label = f"{self.name}, " if self.name else ""
        return f"Node({label}op={self.op!r}, shape={self.value.shape})"

    @staticmethod
    def lift(x, like: Node | None = None) -> Node:
        """Wrap a constant (number or array) as a leaf node.

        A plain Python number beside ``like`` takes ``like``'s dtype, as numpy and torch treat
        a scalar operand: ``2.0 * u`` stays float32 when ``u`` is."""
        if isinstance(x, Node):
            return x
        if like is not None and type(x) in (int, float):
            return Node(np.asarray(x, dtype=like.value.dtype))
        return Node(x)

    @property
    def shape(self) -> tuple:
        return self.value.shape

    # -------------------------------------------------------------- sums and differences

    def __add__(self, other):
        """u₁ + u₂.  Implements :eq:`eq-graph-add`."""
        other = Node.lift(other, self)
        out = Node(self.value + other.value, (self, other), "+")

        def _backward():  # ∂(u₁ + u₂)/∂u₁ = ∂(u₁ + u₂)/∂u₂ = 1
            self.grad += unbroadcast(out.grad, self.value.shape)
            other.grad += unbroadcast(out.grad, other.value.shape)

        out._backward = _backward
        return out

    def __sub__(self, other):
        """u₁ − u₂.  Implements :eq:`eq-graph-sub`."""
        other = Node.lift(other, self)
        out = Node(self.value - other.value, (self, other), "−")

        def _backward():  # ∂(u₁ − u₂)/∂u₁ = 1, ∂(u₁ − u₂)/∂u₂ = −1
            self.grad += unbroadcast(out.grad, self.value.shape)
            other.grad -= unbroadcast(out.grad, other.value.shape)

        out._backward = _backward
        return out

    def __neg__(self):
        """−u.  Implements :eq:`eq-graph-sub`."""
        out = Node(-self.value, (self,), "neg")

        def _backward():  # ∂(−u)/∂u = −1
            self.grad -= out.grad

        out._backward = _backward
        return out

    # -------------------------------------------------------------- products and quotients

    def __mul__(self, other):
        """u₁ ⊙ u₂.  Implements :eq:`eq-graph-mul`."""
        other = Node.lift(other, self)
        out = Node(self.value * other.value, (self, other), "*")

        def _backward():  # ∂(u₁ ⊙ u₂)/∂u₁ = u₂, ∂(u₁ ⊙ u₂)/∂u₂ = u₁
            self.grad += unbroadcast(out.grad * other.value, self.value.shape)
            other.grad += unbroadcast(out.grad * self.value, other.value.shape)

        out._backward = _backward
        return out

    def __truediv__(self, other):
        """u₁ / u₂, entry by entry.  Implements :eq:`eq-graph-div`."""
        other = Node.lift(other, self)
        out = Node(self.value / other.value, (self, other), "/")

        def _backward():  # ∂(u₁/u₂)/∂u₁ = 1/u₂, ∂(u₁/u₂)/∂u₂ = −u₁/u₂² = −v/u₂
            self.grad += unbroadcast(out.grad / other.value, self.value.shape)
            other.grad -= unbroadcast(out.grad * out.value / other.value, other.value.shape)

        out._backward = _backward
        return out

    def __pow__(self, r):
        """u^r for a number r, entry by entry.  Implements :eq:`eq-graph-pow`."""
        if isinstance(r, Node) or np.ndim(r) != 0:
            raise TypeError(
                f"u ** r: expected a number for the exponent r, got {type(r).__name__}"
                f"{' of shape ' + str(np.shape(r)) if np.ndim(r) else ''}; for an exponent "
                "that is itself computed, write (u.log() * r).exp()."
            )
        r = float(r)
        out = Node(self.value**r, (self,), f"**{r:g}")

        def _backward():  # ∂(u^r)/∂u = r u^(r−1), and 0 for r = 0 (even at u = 0)
            if r != 0:
                self.grad += out.grad * r * self.value ** (r - 1)

        out._backward = _backward
        return out

    def __rpow__(self, base):
        """c^u for a number c > 0, entry by entry: e^(u log c), a product and eq-graph-exp."""
        if isinstance(base, Node) or np.ndim(base) != 0 or not base > 0:
            raise TypeError(f"c ** u: expected a positive number for the base c, got {base!r}.")
        return (self * float(np.log(base))).exp()

    def __matmul__(self, other):
        """W A, a matrix product.  Implements :eq:`eq-graph-matmul`."""
        other = Node.lift(other, self)
        W, A = self.value, other.value
        if W.ndim != 2 or A.ndim != 2 or W.shape[1] != A.shape[0]:
            raise ValueError(
                f"W @ A: expected two matrices with as many columns in W as rows in A; "
                f"got W of shape {W.shape} and A of shape {A.shape}."
            )
        out = Node(W @ A, (self, other), "@")

        def _backward():  # Z = W A: W̄ = Z̄ Aᵀ, Ā = Wᵀ Z̄
            self.grad += out.grad @ A.T
            other.grad += W.T @ out.grad

        out._backward = _backward
        return out

    # Numbers and arrays on the left: 2 − u, 1 / u, G ⊙ u, X @ W...
    def __radd__(self, other):
        return Node.lift(other, self) + self

    def __rsub__(self, other):  # other − self, e.g. 1 − Γ
        return Node.lift(other, self) - self

    def __rmul__(self, other):
        return Node.lift(other, self) * self

    def __rtruediv__(self, other):
        return Node.lift(other, self) / self

    def __rmatmul__(self, other):
        return Node.lift(other, self) @ self

    # -------------------------------------------------------------- functions, entry by entry

    def relu(self):
        """max(u, 0).  Implements :eq:`eq-graph-relu`."""
        out = Node(np.maximum(self.value, 0), (self,), "relu")

        def _backward():  # relu'(z) = 1 where z > 0, else 0
            self.grad += out.grad * (self.value > 0)

        out._backward = _backward
        return out

    def tanh(self):
        """tanh(u).  Implements :eq:`eq-graph-tanh`."""
        t = np.tanh(self.value)
        out = Node(t, (self,), "tanh")

        def _backward():  # tanh'(z) = 1 − tanh²(z)
            self.grad += out.grad * (1 - t * t)

        out._backward = _backward
        return out

    def sigmoid(self):
        """σ(u).  Implements :eq:`eq-graph-sigmoid`."""
        s = _sigmoid(self.value)
        out = Node(s, (self,), "σ")

        def _backward():  # σ'(z) = σ(z)(1 − σ(z))
            self.grad += out.grad * s * (1 - s)

        out._backward = _backward
        return out

    def exp(self):
        """e^u.  Implements :eq:`eq-graph-exp`."""
        with np.errstate(under="ignore"):  # e^(−800) is 0 in float64
            out = Node(np.exp(self.value), (self,), "exp")

        def _backward():  # (e^z)' = e^z, the output itself
            self.grad += out.grad * out.value

        out._backward = _backward
        return out

    def log(self):
        """log u, the natural logarithm (u > 0 is the caller's to ensure).  Implements :eq:`eq-graph-log`."""
        out = Node(np.log(self.value), (self,), "log")

        def _backward():  # (log z)' = 1/z
            self.grad += out.grad / self.value

        out._backward = _backward
        return out

    # -------------------------------------------------------------- reductions

    def sum(self, axis=None, keepdims=False):
        """Σ u over ``axis`` (every entry by default).  Implements :eq:`eq-graph-sum`."""
        out = Node(np.sum(self.value, axis=axis, keepdims=keepdims), (self,), "Σ")

        def _backward():  # every entry of a sum contributes with slope 1
            self.grad += _spread(out.grad, axis, keepdims, self.value.shape)

        out._backward = _backward
        return out

    def mean(self, axis=None, keepdims=False):
        """The mean of u over ``axis`` (every entry by default).  Implements :eq:`eq-graph-mean`."""
        n = _count(self.value.shape, axis)
        out = Node(np.mean(self.value, axis=axis, keepdims=keepdims), (self,), "mean")

        def _backward():  # each of the n entries contributes with slope 1/n
            self.grad += _spread(out.grad, axis, keepdims, self.value.shape) / n

        out._backward = _backward
        return out

    def logsumexp(self, axis=None, keepdims=False):
        """log Σ e^u over ``axis``, never overflowing.  Implements :eq:`eq-graph-logsumexp`."""
        c = np.max(self.value, axis=axis, keepdims=True)  # take the largest out first,
        c = np.where(np.isfinite(c), c, 0)  # unless it is infinite: then log Σ e^u is ±∞
        # e^(u − c) ≤ 1 when c is finite; it overflows only in a slice whose answer is +∞ anyway.
        with np.errstate(under="ignore", divide="ignore", over="ignore"):
            lse = c + np.log(np.sum(np.exp(self.value - c), axis=axis, keepdims=True))
        out = Node(lse if keepdims else np.squeeze(lse, axis=axis), (self,), "logsumexp")

        def _backward():  # ∂/∂u_k log Σ_j e^(u_j) = e^(u_k − v), the softmax
            with np.errstate(under="ignore"):
                softmax = np.exp(self.value - lse)
            self.grad += _spread(out.grad, axis, keepdims, self.value.shape) * softmax

        out._backward = _backward
        return out

    # -------------------------------------------------------------- moving entries around

    def transpose(self, *axes):
        """uᵀ (or the axes in the given order).  Implements :eq:`eq-graph-reshape`."""
        axes = axes[0] if len(axes) == 1 and isinstance(axes[0], (tuple, list)) else axes
        axes = tuple(axes) or tuple(reversed(range(self.value.ndim)))
        out = Node(np.transpose(self.value, axes), (self,), "ᵀ")  # numpy checks the axes
        axes = tuple(a % self.value.ndim for a in axes)  # −1 is the last axis

        def _backward():  # every entry goes back to where it came from
            self.grad += np.transpose(out.grad, np.argsort(axes))

        out._backward = _backward
        return out

    @property
    def T(self):
        return self.transpose()

    def reshape(self, *shape):
        """The same entries in a new shape.  Implements :eq:`eq-graph-reshape`."""
        shape = shape[0] if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
        out = Node(np.reshape(self.value, shape), (self,), "reshape")

        def _backward():  # every entry goes back to where it came from
            self.grad += np.reshape(out.grad, self.value.shape)

        out._backward = _backward
        return out

    def __getitem__(self, index):
        out = Node(self.value[index], (self,), "[]")

        def _backward():  # a slice passes its gradient back to the positions it came from
            np.add.at(self.grad, index, out.grad)

        out._backward = _backward
        return out

    # -------------------------------------------------------------- backward

    def backward(self, grad=None):
        """Backpropagate: topological sort, then one loop (:eq:`eq-graph-accumulate`).

        ``grad`` is the gradient arriving at this node, of its shape; it may be
        left out when the node holds a single number J (then ∂J/∂J = 1).
        Gradients already in the graph are *not* reset; build a fresh graph for
        each pass.
        """
        if grad is None:
            if self.value.size != 1:
                raise ValueError(
                    f"backward(): this node holds an array of shape {self.value.shape}, not a "
                    "single number, so the gradient arriving at it is not 1: pass it, "
                    f"backward(grad) with grad of shape {self.value.shape}, or reduce the node "
                    "to a number first, e.g. node.sum().backward()."
                )
            grad = np.ones_like(self.value)
        elif np.shape(grad) != self.value.shape:
            raise ValueError(
                f"backward(grad): expected grad of the node's shape {self.value.shape}, "
                f"got shape {np.shape(grad)}."
            )
        # Topological order: a node comes after all of its parents.  (A depth-first
        # search with an explicit stack, so a long unrolled sequence cannot hit
        # Python's recursion limit.)
        order, visited, stack = [], set(), [(self, False)]
        while stack:
            node, parents_done = stack.pop()
            if parents_done:  # every parent is already in order
                order.append(node)
                continue
            if id(node) in visited:
                continue
            visited.add(id(node))
            stack.append((node, True))
            stack.extend((parent, False) for parent in node.parents if id(parent) not in visited)

        self.grad += grad
        with np.errstate(under="ignore"):  # a gradient too small for a float64 is 0
            for node in reversed(order):  # from the output back to the inputs
                node._backward()


def concat(nodes, axis=0) -> Node:
    """Stack nodes along ``axis`` (e.g. ``[a⟨t−1⟩, x⟨t⟩]``); the backward pass splits the gradient."""
    nodes = [Node.lift(n) for n in nodes]
    out = Node(np.concatenate([n.value for n in nodes], axis=axis), tuple(nodes), "concat")
    bounds = np.cumsum([0] + [n.value.shape[axis] for n in nodes])

    def _backward():  # each input gets back the block of the gradient it filled
        for n, lo, hi in zip(nodes, bounds[:-1], bounds[1:]):
            n.grad += np.take(out.grad, np.arange(lo, hi), axis=axis)

    out._backward = _backward
    return out


def lstm_step_graph(x_t: Node, a_prev: Node, c_prev: Node, params: dict) -> tuple[Node, Node]:
    """One LSTM step (:eq:`eq-lstm-step`) built as a computation graph.

    ``params`` maps ``"W_f", "b_f", "W_i", "b_i", "W_c", "b_c", "W_o", "b_o"`` to
    nodes, as in :class:`ddl.recurrent.LSTMCell`.  Returns the nodes
    ``(a⟨t⟩, c⟨t⟩)``; calling ``backward`` on anything built from them gives every
    input and parameter its gradient, with no LSTM-specific backward code.
    """
    concat_ax = concat([a_prev, x_t])
    gamma_f = (params["W_f"] @ concat_ax + params["b_f"]).sigmoid()
    gamma_i = (params["W_i"] @ concat_ax + params["b_i"]).sigmoid()
    c_tilde = (params["W_c"] @ concat_ax + params["b_c"]).tanh()
    gamma_o = (params["W_o"] @ concat_ax + params["b_o"]).sigmoid()
    c_t = gamma_f * c_prev + gamma_i * c_tilde
    a_t = gamma_o * c_t.tanh()
    return a_t, c_t
