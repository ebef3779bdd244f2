"""Recurrent networks (Part 10): RNN, GRU and LSTM cells, backpropagation through time.

Sequences are ``(T, n_x, m)``, so ``X[t]`` is the input ``x⟨t⟩`` at step ``t``,
``(n_x, m)``, laid out like any other layer input.  A cell's hidden state
``a⟨t⟩`` is ``(n_a, m)``.  Every weight multiplies the stacked vector
``[a⟨t−1⟩, x⟨t⟩]`` (hidden state on top), so a weight is ``(n_a, n_a + n_x)``
and a bias ``(n_a, 1)``.

A cell has

``step_forward(x_t, a_prev[, c_prev]) -> (a_t[, c_t], cache)``
    one time step;
``step_backward(da_t[, dc_t], cache) -> (da_prev[, dc_prev], dx_t)``
    its backward pass.  ``da_t`` is per example and is the *total* gradient
    reaching ``a⟨t⟩`` (from the output at ``t`` and from step ``t + 1``).  The
    parameter gradients are **added** to ``cell.grads`` (with the ``1/m``),
    because the same weights are used at every step and the contributions of
    all steps add up; call ``cell.zero_grads()`` before a sequence.

:class:`Recurrent` wraps a cell into a layer over a whole sequence (with the
usual ``forward``/``backward``/``params``/``grads``) and runs
backpropagation through time.  :func:`clip_by_global_norm` rescales
gradients whose norm explodes.  :func:`many_to_one` builds the network for a
sequence-in, one-answer-out task.

Equation labels: ``eq-rnn-step``, ``eq-rnn-step-backward``, ``eq-gru-step``,
``eq-gru-step-backward``, ``eq-lstm-step``, ``eq-lstm-step-backward``,
``eq-bptt``, ``eq-gradient-clipping``.
"""

from __future__ import annotations

import numpy as np

from .activations import sigmoid

__all__ = [
    "GRUCell",
    "LSTMCell",
    "RNNCell",
    "Recurrent",
    "clip_by_global_norm",
    "global_norm",
    "many_to_one",
]


def _uniform(shape, bound, rng, dtype):
    return rng.uniform(-bound, bound, size=shape).astype(dtype)


class _Cell:
    n_states = 1  # how many state arrays the cell carries: 1 (a) or 2 (a, c)

    def __init__(self, n_x, n_a, rng, gates, dtype):
        for name, value in (("n_x", n_x), ("n_a", n_a)):
            if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
                raise ValueError(f"{name}: expected a positive integer, got {value!r}.")
        if not isinstance(rng, np.random.Generator):
            raise TypeError(f"rng: expected a numpy.random.Generator, got {type(rng).__name__}.")
        self.n_x, self.n_a = int(n_x), int(n_a)
        bound = 1 / np.sqrt(n_a)  # the usual recurrent initialisation: U(−1/√n_a, 1/√n_a)
        self.params = {}
        for g in gates:
            self.params[f"W_{g}"] = _uniform((n_a, n_a + n_x), bound, rng, dtype)
            self.params[f"b_{g}"] = np.zeros((n_a, 1), dtype=dtype)
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}

    def zero_grads(self):
        for g in self.grads.values():
            g[...] = 0

    def _accumulate(self, gate, dz, inputs):
        """dW_gate += (1/m) dz inputsᵀ, db_gate += (1/m) Σ dz."""
        m = dz.shape[1]
        self.grads[f"W_{gate}"] += (dz @ inputs.T) / m
        self.grads[f"b_{gate}"] += dz.sum(axis=1, keepdims=True) / m

    def initial_state(self, m, dtype):
        return tuple(np.zeros((self.n_a, m), dtype=dtype) for _ in range(self.n_states))


class RNNCell(_Cell):
    """The plain recurrent step.

    Implements :eq:`eq-rnn-step`: ``a⟨t⟩ = tanh(W_a [a⟨t−1⟩, x⟨t⟩] + b_a)``.
    """

    def __init__(self, n_x, n_a, rng, *, dtype=np.float64):
        super().__init__(n_x, n_a, rng, ("a",), dtype)

    def step_forward(self, x_t, a_prev):
        W_a, b_a = self.params["W_a"], self.params["b_a"]
        concat = np.concatenate([a_prev, x_t])
        a_t = np.tanh(W_a @ concat + b_a)
        return a_t, (concat, a_t)

    def step_backward(self, da_t, cache):
        """Implements :eq:`eq-rnn-step-backward`."""
        concat, a_t = cache
        dz = da_t * (1 - a_t * a_t)  # tanh' = 1 − a²
        self._accumulate("a", dz, concat)
        dconcat = self.params["W_a"].T @ dz
        return dconcat[: self.n_a], dconcat[self.n_a :]


class GRUCell(_Cell):
    """Gated recurrent unit: a reset gate ``Γ_r`` and an update gate ``Γ_u``.

    Implements :eq:`eq-gru-step`::

        Γ_r   = σ(W_r [a⟨t−1⟩, x⟨t⟩] + b_r)
        Γ_u   = σ(W_u [a⟨t−1⟩, x⟨t⟩] + b_u)
        c̃⟨t⟩  = tanh(W_c [Γ_r ⊙ a⟨t−1⟩, x⟨t⟩] + b_c)
        a⟨t⟩  = Γ_u ⊙ c̃⟨t⟩ + (1 − Γ_u) ⊙ a⟨t−1⟩

    ``reset_after=True`` applies the reset gate *after* the matrix product
    instead, ``c̃ = tanh(W_cx x⟨t⟩ + b_c + Γ_r ⊙ (W_ca a⟨t−1⟩ + b_ca))`` where
    ``W_c = [W_ca, W_cx]``, with a second bias ``b_ca``: the variant cuDNN and
    PyTorch implement.
    """

    def __init__(self, n_x, n_a, rng, *, reset_after=False, dtype=np.float64):
        super().__init__(n_x, n_a, rng, ("r", "u", "c"), dtype)
        self.reset_after = reset_after
        if reset_after:
            self.params["b_ca"] = np.zeros((n_a, 1), dtype=dtype)
            self.grads["b_ca"] = np.zeros((n_a, 1), dtype=dtype)

    def step_forward(self, x_t, a_prev):
        p, n_a = self.params, self.n_a
        concat = np.concatenate([a_prev, x_t])
        gamma_r = sigmoid(p["W_r"] @ concat + p["b_r"])
        gamma_u = sigmoid(p["W_u"] @ concat + p["b_u"])
        if self.reset_after:
            h = p["W_c"][:, :n_a] @ a_prev + p["b_ca"]
            c_tilde = np.tanh(p["W_c"][:, n_a:] @ x_t + p["b_c"] + gamma_r * h)
            concat_r = h
        else:
            concat_r = np.concatenate([gamma_r * a_prev, x_t])
            c_tilde = np.tanh(p["W_c"] @ concat_r + p["b_c"])
        a_t = gamma_u * c_tilde + (1 - gamma_u) * a_prev
        return a_t, (x_t, a_prev, concat, gamma_r, gamma_u, c_tilde, concat_r)

    def step_backward(self, da_t, cache):
        """The backward pass of one GRU step.

        Implements :eq:`eq-gru-step-backward` (the default form, the reset gate
        applied before the product); with ``reset_after=True`` the reset gate's
        branch follows that variant's forward pass instead.
        """
        p, n_a = self.params, self.n_a
        x_t, a_prev, concat, gamma_r, gamma_u, c_tilde, concat_r = cache
        dc_tilde = da_t * gamma_u
        dgamma_u = da_t * (c_tilde - a_prev)
        da_prev = da_t * (1 - gamma_u)
        dz_c = dc_tilde * (1 - c_tilde * c_tilde)
        if self.reset_after:
            h = concat_r
            m = da_t.shape[1]
            self.grads["W_c"][:, n_a:] += (dz_c @ x_t.T) / m
            self.grads["b_c"] += dz_c.sum(axis=1, keepdims=True) / m
            dh = dz_c * gamma_r
            dgamma_r = dz_c * h
            self.grads["W_c"][:, :n_a] += (dh @ a_prev.T) / m
            self.grads["b_ca"] += dh.sum(axis=1, keepdims=True) / m
            da_prev += p["W_c"][:, :n_a].T @ dh
            dx_t = p["W_c"][:, n_a:].T @ dz_c
        else:
            self._accumulate("c", dz_c, concat_r)
            dconcat_r = p["W_c"].T @ dz_c
            d_reset_a = dconcat_r[:n_a]  # gradient reaching Γ_r ⊙ a⟨t−1⟩
            dgamma_r = d_reset_a * a_prev
            da_prev += d_reset_a * gamma_r
            dx_t = dconcat_r[n_a:]
        dz_u = dgamma_u * gamma_u * (1 - gamma_u)
        dz_r = dgamma_r * gamma_r * (1 - gamma_r)
        self._accumulate("u", dz_u, concat)
        self._accumulate("r", dz_r, concat)
        dconcat = p["W_u"].T @ dz_u + p["W_r"].T @ dz_r
        return da_prev + dconcat[:n_a], dx_t + dconcat[n_a:]


class LSTMCell(_Cell):
    """Long short-term memory: forget, input and output gates and a cell state ``c``.

    Implements :eq:`eq-lstm-step`::

        Γ_f   = σ(W_f [a⟨t−1⟩, x⟨t⟩] + b_f)
        Γ_i   = σ(W_i [a⟨t−1⟩, x⟨t⟩] + b_i)
        c̃⟨t⟩  = tanh(W_c [a⟨t−1⟩, x⟨t⟩] + b_c)
        Γ_o   = σ(W_o [a⟨t−1⟩, x⟨t⟩] + b_o)
        c⟨t⟩  = Γ_f ⊙ c⟨t−1⟩ + Γ_i ⊙ c̃⟨t⟩
        a⟨t⟩  = Γ_o ⊙ tanh(c⟨t⟩)

    ``forget_bias`` (default 1) starts ``b_f`` positive so that, before any
    training, the cell state is mostly kept from one step to the next.
    """

    n_states = 2

    def __init__(self, n_x, n_a, rng, *, forget_bias=1.0, dtype=np.float64):
        super().__init__(n_x, n_a, rng, ("f", "i", "c", "o"), dtype)
        self.params["b_f"][...] = forget_bias

    def step_forward(self, x_t, a_prev, c_prev):
        p = self.params
        concat = np.concatenate([a_prev, x_t])
        gamma_f = sigmoid(p["W_f"] @ concat + p["b_f"])
        gamma_i = sigmoid(p["W_i"] @ concat + p["b_i"])
        c_tilde = np.tanh(p["W_c"] @ concat + p["b_c"])
        gamma_o = sigmoid(p["W_o"] @ concat + p["b_o"])
        c_t = gamma_f * c_prev + gamma_i * c_tilde
        tanh_c = np.tanh(c_t)
        a_t = gamma_o * tanh_c
        return a_t, c_t, (concat, c_prev, gamma_f, gamma_i, c_tilde, gamma_o, tanh_c)

    def step_backward(self, da_t, dc_t, cache):
        """Implements :eq:`eq-lstm-step-backward`."""
        p, n_a = self.params, self.n_a
        concat, c_prev, gamma_f, gamma_i, c_tilde, gamma_o, tanh_c = cache
        dgamma_o = da_t * tanh_c
        dc = dc_t + da_t * gamma_o * (1 - tanh_c * tanh_c)  # both paths into c⟨t⟩ add up
        dgamma_f = dc * c_prev
        dgamma_i = dc * c_tilde
        dc_tilde = dc * gamma_i
        dc_prev = dc * gamma_f
        dz_f = dgamma_f * gamma_f * (1 - gamma_f)
        dz_i = dgamma_i * gamma_i * (1 - gamma_i)
        dz_c = dc_tilde * (1 - c_tilde * c_tilde)
        dz_o = dgamma_o * gamma_o * (1 - gamma_o)
        dconcat = 0
        for gate, dz in (("f", dz_f), ("i", dz_i), ("c", dz_c), ("o", dz_o)):
            self._accumulate(gate, dz, concat)
            dconcat = dconcat + p[f"W_{gate}"].T @ dz
        return dconcat[:n_a], dc_prev, dconcat[n_a:]


class Recurrent:
    """A cell unrolled over a sequence ``X`` ``(T, n_x, m)``: a layer like any other.

    ``forward(X)`` returns the last hidden state ``a⟨T⟩`` ``(n_a, m)`` (many-to-one)
    or, with ``return_sequences=True``, every ``a⟨t⟩`` as ``(T, n_a, m)``.
    ``backward(dA)`` runs backpropagation through time (:eq:`eq-bptt`) and
    returns ``dX`` ``(T, n_x, m)``.  ``params``/``grads`` are the cell's.
    The initial state is zero.
    """

    def __init__(self, cell, return_sequences=False):
        self.cell = cell
        self.return_sequences = return_sequences
        self.params, self.grads = cell.params, cell.grads
        self.cache = None

    def __repr__(self):
        return f"Recurrent({type(self.cell).__name__}(n_x={self.cell.n_x}, n_a={self.cell.n_a}))"

    def forward(self, X, training=True):
        if not isinstance(X, np.ndarray) or X.ndim != 3 or X.shape[1] != self.cell.n_x:
            raise ValueError(
                f"X: expected a sequence of shape (T, {self.cell.n_x}, m), got "
                f"{getattr(X, 'shape', type(X).__name__)}."
            )
        dtype = next(iter(self.params.values())).dtype
        if X.dtype != dtype:
            raise TypeError(
                f"X: expected dtype {dtype} (the cell's weights), got {X.dtype}; "
                f"convert the data once with X.astype(np.{dtype})."
            )
        T, _, m = X.shape
        state = self.cell.initial_state(m, X.dtype)
        caches, A = [], np.empty((T, self.cell.n_a, m), dtype=X.dtype)
        with np.errstate(under="ignore"):
            for t in range(T):
                *state, cache = self.cell.step_forward(X[t], *state)
                caches.append(cache)
                A[t] = state[0]
        self.cache = (X.shape, caches)
        return A if self.return_sequences else A[-1]

    def backward(self, dA):
        if self.cache is None:
            raise RuntimeError("Recurrent.backward called before forward.")
        (T, n_x, m), caches = self.cache
        self.cell.zero_grads()
        dX = np.empty((T, n_x, m), dtype=dA.dtype)
        dstate = [np.zeros((self.cell.n_a, m), dtype=dA.dtype) for _ in range(self.cell.n_states)]
        with np.errstate(under="ignore"):
            for t in reversed(range(T)):
                if self.return_sequences:
                    dstate[0] = dstate[0] + dA[t]
                elif t == T - 1:
                    dstate[0] = dstate[0] + dA
                *dstate, dX[t] = self.cell.step_backward(*dstate, caches[t])
        return dX


def global_norm(grads):
    """√(Σ over every array of Σ g²): the length of all gradients seen as one vector."""
    return float(np.sqrt(sum(float(np.sum(g * g)) for g in grads)))


def clip_by_global_norm(grads, max_norm):
    """Rescale ``grads`` (a list of arrays) **in place** so their global norm is at most ``max_norm``.

    Implements :eq:`eq-gradient-clipping`: if ‖g‖ > max_norm then
    g ← g · max_norm / ‖g‖.  The direction of the step is kept; only its
    length is capped.  Returns the norm before clipping.
    """
    if not max_norm > 0:
        raise ValueError(f"max_norm: expected a positive number, got {max_norm!r}.")
    norm = global_norm(grads)
    if norm > max_norm:
        scale = max_norm / norm
        for g in grads:
            g *= scale
    return norm


def many_to_one(cell, n_y, rng, *, dtype=np.float64):
    """The layers of a many-to-one network: read the whole sequence, answer once.

    ``[Recurrent(cell), Dense(n_a, n_y)]``: the last hidden state ``a⟨T⟩`` feeds a
    dense output layer whose logits ``ŷ = W_y a⟨T⟩ + b_y`` go to a loss from
    :mod:`ddl.losses`.  Pass the list to :class:`ddl.network.Network`.
    """
    from .layers import Dense

    return [Recurrent(cell), Dense(cell.n_a, n_y, "identity", "xavier", rng, dtype=dtype)]
