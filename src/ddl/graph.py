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

Shapes follow numpy broadcasting; a bias ``(n, 1)`` added to ``(n, m)`` is
broadcast over the ``m`` columns in the forward pass, so in the backward pass
its gradient is summed over them (:func:`unbroadcast`).

Equation labels: ``eq-graph-accumulate``, ``eq-graph-broadcast``, and
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


class Node:
    """A value in a computation graph, its gradient and how it was made."""

    def __init__(self, value, parents=(), op="", name=""):
        self.value = (
            np.asarray(value, dtype=np.float64) if not isinstance(value, np.ndarray) else value
        )
        self.grad = np.zeros_like(self.value, dtype=np.result_type(self.value, np.float64))
        self.parents = parents
        self.op = op
        self.name = name
        self._backward = lambda: None

    def __repr__(self):
        label = f"{self.name}, " if self.name else ""
        return f"Node({label}op={self.op!r}, shape={self.value.shape})"

    @staticmethod
    def lift(x) -> Node:
        """Wrap a constant (number or array) as a leaf node."""
        return x if isinstance(x, Node) else Node(np.asarray(x, dtype=np.float64))

    # -------------------------------------------------------------- operations

    def __add__(self, other):
        """u₁ + u₂.  Implements :eq:`eq-graph-add`."""
        other = Node.lift(other)
        out = Node(self.value + other.value, (self, other), "+")

        def _backward():  # ∂(u + v)/∂u = ∂(u + v)/∂v = 1
            self.grad += unbroadcast(out.grad, self.value.shape)
            other.grad += unbroadcast(out.grad, other.value.shape)

        out._backward = _backward
        return out

    def __mul__(self, other):
        """u₁ ⊙ u₂.  Implements :eq:`eq-graph-mul`."""
        other = Node.lift(other)
        out = Node(self.value * other.value, (self, other), "*")

        def _backward():  # ∂(u ⊙ v)/∂u = v, ∂(u ⊙ v)/∂v = u
            self.grad += unbroadcast(out.grad * other.value, self.value.shape)
            other.grad += unbroadcast(out.grad * self.value, other.value.shape)

        out._backward = _backward
        return out

    def __matmul__(self, other):
        """W A.  Implements :eq:`eq-graph-matmul`."""
        other = Node.lift(other)
        out = Node(self.value @ other.value, (self, other), "@")

        def _backward():  # Z = W A: dW = dZ Aᵀ, dA = Wᵀ dZ
            self.grad += out.grad @ other.value.T
            other.grad += self.value.T @ out.grad

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

    def __getitem__(self, index):
        out = Node(self.value[index], (self,), "[]")

        def _backward():  # a slice passes its gradient back to the positions it came from
            np.add.at(self.grad, index, out.grad)

        out._backward = _backward
        return out

    def sum(self):
        out = Node(np.sum(self.value), (self,), "Σ")

        def _backward():  # every element contributes with slope 1
            self.grad += out.grad

        out._backward = _backward
        return out

    def __neg__(self):
        return self * -1.0

    def __sub__(self, other):
        return self + (-Node.lift(other))

    def __radd__(self, other):
        return self + other

    def __rmul__(self, other):
        return self * other

    def __rsub__(self, other):  # other − self, e.g. 1 − Γ
        return Node.lift(other) + (-self)

    # -------------------------------------------------------------- backward

    def backward(self, grad=None):
        """Backpropagate: topological sort, then one loop (:eq:`eq-graph-accumulate`).

        ``grad`` is the gradient arriving at this node (default: ones, i.e. this
        node is the scalar, or the sum of the values, being differentiated).
        Gradients already in the graph are *not* reset; build a fresh graph for
        each pass.
        """
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

        self.grad += np.ones_like(self.grad) if grad is None else grad
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
