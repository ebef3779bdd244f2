"""The equation registry: every labelled equation of the posts, checked against the package.

* ``Check(label, LATEX[label], function, formula, inputs, call)``: an equation the package
  implements. ``LATEX`` holds each equation exactly as its post writes it; ``function`` is
  the qualified name whose docstring says ``Implements :eq:`label```; the formula is either
  parsed from the LaTeX by sympy (:class:`Sympy`) or an executable numpy expression kept
  here (:class:`Numpy`). ``tests/equations/test_equations.py`` runs each check on random
  float64 inputs. See ``checking.py`` for the fields.
* ``NotInPackage(label, reason)``: a labelled equation the package does not implement.

The site reads this file (with ``ast``, never importing it) to link each equation to its
check, so the first argument of each is the label as a plain string.
"""

from __future__ import annotations

import math

import numpy as np
from checking import Check, NotInPackage, Numpy, Sympy

from ddl import (
    activations,
    conv,
    gradcheck,
    graph,
    initialisers,
    layers,
    linear,
    losses,
    metrics,
    optimisers,
    pooling,
    recurrent,
    regularisation,
    schedules,
)


def _sigma(z):
    return 1 / (1 + np.exp(-z))


def _softplus(z):
    return np.log1p(np.exp(z))


def _normal(rng, *shape, scale=1.0):
    return scale * rng.standard_normal(shape)


def _labels(rng, m=40):
    return rng.integers(0, 2, m), rng.integers(0, 2, m)


def _counts(y, y_hat):
    tp = float(np.sum((y_hat == 1) & (y == 1)))
    fp = float(np.sum((y_hat == 1) & (y == 0)))
    fn = float(np.sum((y_hat == 0) & (y == 1)))
    return {"y": y, "y_hat": y_hat, "T_{P}": tp, "F_{P}": fp, "F_{N}": fn}


def _per_example(function, Z, Y):
    """A cost that averages over examples, evaluated one example at a time: the losses L(i).

    A row (1, m), one column per example, as the package lays examples out.
    """
    return np.array([[function(Z[:, [i]], Y[:, [i]]) for i in range(Z.shape[1])]])


def _weight_shape_and_seed(rng):
    """A dense weight's shape (n[l], n[l-1]) and a seed for the initialiser's generator."""
    return {
        "shape": (int(rng.integers(1, 9)), int(rng.integers(1, 9))),
        "seed": int(rng.integers(1 << 30)),
    }


def _dense(rng, activation, n_in=4, n_out=3, m=6):
    layer = layers.Dense(n_in, n_out, activation, rng=rng)
    layer.params["b"][...] = _normal(rng, n_out, 1)
    return {
        "layer": layer,
        "W": layer.params["W"].copy(),
        "b": layer.params["b"].copy(),
        "A": _normal(rng, n_in, m),
        "dA": _normal(rng, n_out, m),
        "m": m,
    }


def _dense_backward(i):
    layer = i["layer"]
    layer.forward(i["A"])
    dA_prev = layer.backward(i["dA"])
    return layer.grads["W"].copy(), layer.grads["b"].copy(), dA_prev


_DERIVATIVES = {
    "identity": lambda z: np.ones_like(z),
    "tanh": lambda z: 1 - np.tanh(z) ** 2,
    "sigmoid": lambda z: _sigma(z) * (1 - _sigma(z)),
    "relu": lambda z: (z > 0).astype(float),
}


def _dZ(i):
    """dZ = dA ⊙ g'(Z) for the layer's activation (tanh in the checks below)."""
    Z = i["W"] @ i["A"] + i["b"]
    return i["dA"] * _DERIVATIVES[i["layer"].activation.name](Z)


def _windows(A, f, s, h, w):
    return A[:, h * s : h * s + f, w * s : w * s + f]


def _conv_inputs(rng, n_C_prev=2, n_C=3, n=6, f=3, m=2):
    s, p = int(rng.integers(1, 3)), int(rng.integers(0, 2))
    return {
        "A": _normal(rng, n_C_prev, n, n, m),
        "W": _normal(rng, n_C, n_C_prev, f, f),
        "b": _normal(rng, n_C, 1),
        "s": s,
        "p": p,
    }


def _conv_reference(i):
    A, W, b, s, p = i["A"], i["W"], i["b"], i["s"], i["p"]
    n_C, n_C_prev, f, _ = W.shape
    A_pad = np.pad(A, ((0, 0), (p, p), (p, p), (0, 0)))
    n_H = 1 + (A.shape[1] - f + 2 * p) // s
    n_W = 1 + (A.shape[2] - f + 2 * p) // s
    Z = np.zeros((n_C, n_H, n_W, A.shape[3]))
    for k in range(n_C):
        for h in range(n_H):
            for w in range(n_W):
                for c in range(n_C_prev):
                    for u in range(f):
                        for v in range(f):
                            Z[k, h, w] += W[k, c, u, v] * A_pad[c, h * s + u, w * s + v]
                Z[k, h, w] += b[k, 0]
    return Z


def _pool_inputs(rng):
    f = int(rng.integers(2, 4))
    return {"A": _normal(rng, 2, 7, 7, 3), "f": f, "s": int(rng.integers(1, f + 1))}


def _pool_reference(i, reduce):
    A, f, s = i["A"], i["f"], i["s"]
    n = 1 + (A.shape[1] - f) // s
    out = np.zeros((A.shape[0], n, n, A.shape[3]))
    for h in range(n):
        for w in range(n):
            out[:, h, w] = reduce(_windows(A, f, s, h, w))
    return out


def _pool_backward_reference(i, share):
    """dA_prev: every window adds ``share(window, dA)`` to the pixels it read."""
    A, f, s, dA = i["A"], i["f"], i["s"], i["dA"]
    dA_prev = np.zeros_like(A)
    for h in range(dA.shape[1]):
        for w in range(dA.shape[2]):
            dA_prev[:, h * s : h * s + f, w * s : w * s + f] += share(
                _windows(A, f, s, h, w), dA[:, h, w]
            )
    return dA_prev


def _max_mask_share(window, dA_hw):
    C, f, _, m = window.shape
    flat = window.transpose(0, 3, 1, 2).reshape(C, m, f * f)
    mask = np.arange(f * f) == flat.argmax(axis=-1)[..., None]  # the first maximum
    return mask.reshape(C, m, f, f).transpose(0, 2, 3, 1) * dA_hw[:, None, None, :]


def _pool_backward(cls, i):
    layer = cls(i["f"], i["s"])
    layer.forward(i["A"])
    return layer.backward(i["dA"])


def _with_dA(inputs, rng):
    n = 1 + (inputs["A"].shape[1] - inputs["f"]) // inputs["s"]
    return {**inputs, "dA": _normal(rng, inputs["A"].shape[0], n, n, inputs["A"].shape[3])}


def _cell(cls, rng, n_x=3, n_a=4, m=5):
    cell = cls(n_x, n_a, rng)
    for value in cell.params.values():
        value[...] = _normal(rng, *value.shape, scale=0.5)
    return {
        "cell": cell,
        "p": {k: v.copy() for k, v in cell.params.items()},
        "x": _normal(rng, n_x, m),
        "a": _normal(rng, n_a, m),
        "c": _normal(rng, n_a, m),
        "da": _normal(rng, n_a, m),
        "dc": _normal(rng, n_a, m),
    }


def _lstm_reference(i):
    p, x, a, c = i["p"], i["x"], i["a"], i["c"]
    concat = np.concatenate([a, x])
    gamma_f = _sigma(p["W_f"] @ concat + p["b_f"])
    gamma_i = _sigma(p["W_i"] @ concat + p["b_i"])
    c_tilde = np.tanh(p["W_c"] @ concat + p["b_c"])
    gamma_o = _sigma(p["W_o"] @ concat + p["b_o"])
    c_t = gamma_f * c + gamma_i * c_tilde
    return gamma_o * np.tanh(c_t), c_t


def _lstm_graph(i):
    nodes = {k: graph.Node(v.copy()) for k, v in i["p"].items()}
    a_t, c_t = graph.lstm_step_graph(
        graph.Node(i["x"]), graph.Node(i["a"]), graph.Node(i["c"]), nodes
    )
    return a_t.value, c_t.value


def _gru_reference(i):
    p, x, a = i["p"], i["x"], i["a"]
    concat = np.concatenate([a, x])
    gamma_r = _sigma(p["W_r"] @ concat + p["b_r"])
    gamma_u = _sigma(p["W_u"] @ concat + p["b_u"])
    c_tilde = np.tanh(p["W_c"] @ np.concatenate([gamma_r * a, x]) + p["b_c"])
    return gamma_u * c_tilde + (1 - gamma_u) * a


def _gru_step_backward_reference(i):
    """eq-gru-step-backward line by line: the reset gate applied before the product."""
    p, x, a, da = i["p"], i["x"], i["a"], i["da"]
    m, n_a = x.shape[1], a.shape[0]
    concat = np.concatenate([a, x])
    gamma_r = _sigma(p["W_r"] @ concat + p["b_r"])
    gamma_u = _sigma(p["W_u"] @ concat + p["b_u"])
    a_hat = gamma_r * a
    concat_hat = np.concatenate([a_hat, x])
    c_tilde = np.tanh(p["W_c"] @ concat_hat + p["b_c"])
    dc_tilde = da * gamma_u
    d_gamma = {"u": da * (c_tilde - a)}
    dz = {"c": dc_tilde * (1 - c_tilde**2)}
    dconcat_hat = p["W_c"].T @ dz["c"]
    da_hat, dx_c = dconcat_hat[:n_a], dconcat_hat[n_a:]
    d_gamma["r"] = da_hat * a
    gamma = {"r": gamma_r, "u": gamma_u}
    for g in "ru":
        dz[g] = d_gamma[g] * gamma[g] * (1 - gamma[g])
    grads = {"W_c": dz["c"] @ concat_hat.T / m}
    for g in "ru":
        grads[f"W_{g}"] = dz[g] @ concat.T / m
    for g in "ruc":
        grads[f"b_{g}"] = dz[g].sum(axis=1, keepdims=True) / m
    dconcat = np.concatenate([da * (1 - gamma_u) + da_hat * gamma_r, dx_c])
    dconcat = dconcat + p["W_r"].T @ dz["r"] + p["W_u"].T @ dz["u"]
    return dconcat[:n_a], dconcat[n_a:], [grads[k] for k in sorted(grads)]


def _gru_step_backward(i):
    cell = i["cell"]
    cell.zero_grads()
    _, cache = cell.step_forward(i["x"], i["a"])
    da_prev, dx = cell.step_backward(i["da"], cache)
    return da_prev, dx, [cell.grads[k].copy() for k in sorted(cell.grads)]


def _rnn_step_backward(i):
    cell = i["cell"]
    cell.zero_grads()
    _, cache = cell.step_forward(i["x"], i["a"])
    da_prev, dx = cell.step_backward(i["da"], cache)
    return cell.grads["W_a"].copy(), cell.grads["b_a"].copy(), da_prev, dx


def _rnn_step_backward_reference(i):
    p, m = i["p"], i["x"].shape[1]
    concat = np.concatenate([i["a"], i["x"]])
    a_t = np.tanh(p["W_a"] @ concat + p["b_a"])
    dz = i["da"] * (1 - a_t**2)
    dconcat = p["W_a"].T @ dz
    n_a = i["a"].shape[0]
    return dz @ concat.T / m, dz.sum(axis=1, keepdims=True) / m, dconcat[:n_a], dconcat[n_a:]


def _sequence(rng, T=4, n_x=3, n_a=4, m=5):
    i = _cell(recurrent.RNNCell, rng, n_x, n_a, m)
    return {**i, "X": _normal(rng, T, n_x, m), "dA": _normal(rng, n_a, m)}


def _bptt(i):
    layer = recurrent.Recurrent(i["cell"])
    layer.forward(i["X"])
    dX = layer.backward(i["dA"])
    return layer.grads["W_a"].copy(), layer.grads["b_a"].copy(), dX


def _bptt_reference(i):
    """Many-to-one: the output is at T only; da⟨t⟩ = W_aaᵀ dz⟨t+1⟩ before it."""
    p, X = i["p"], i["X"]
    T, _, m = X.shape
    n_a = p["W_a"].shape[0]
    a, concats, states = np.zeros((n_a, m)), [], []
    for t in range(T):
        concats.append(np.concatenate([a, X[t]]))
        a = np.tanh(p["W_a"] @ concats[-1] + p["b_a"])
        states.append(a)
    dW, db, dX = np.zeros_like(p["W_a"]), np.zeros_like(p["b_a"]), np.zeros_like(X)
    da = i["dA"]
    for t in reversed(range(T)):
        dz = da * (1 - states[t] ** 2)
        dW += dz @ concats[t].T / m
        db += dz.sum(axis=1, keepdims=True) / m
        dconcat = p["W_a"].T @ dz
        da, dX[t] = dconcat[:n_a], dconcat[n_a:]
    return dW, db, dX


def _optimiser_inputs(rng, steps=3):
    return {
        "theta": [_normal(rng, 3, 2), _normal(rng, 3, 1)],
        "g": [[_normal(rng, 3, 2), _normal(rng, 3, 1)] for _ in range(steps)],
        "alpha": float(rng.uniform(0.01, 0.5)),
        "beta": float(rng.uniform(0.5, 0.99)),
        "beta2": float(rng.uniform(0.9, 0.999)),
        "eps": 1e-8,
    }


def _fitted(model, i):
    """W and b of ``model`` after ``fit`` on the inputs (from a generator seeded with ``seed``)."""
    fitted = model.fit(i["X"], i["Y"], np.random.default_rng(i["seed"]))
    return [fitted.W, fitted.b]


def _one_fit_step(i):
    """One step of eq-gd-update on the mean squared error, from the start fit draws: W from
    0.01 N(0, 1) with the same seeded generator, b = 0; dJ/dW and dJ/db written out here."""
    X, Y, m = i["X"], i["Y"], i["X"].shape[1]
    W = 0.01 * np.random.default_rng(i["seed"]).standard_normal((1, X.shape[0]))
    b = np.zeros((1, 1))
    error = W @ X + b - Y
    return [W - i["alpha"] * error @ X.T / m, b - i["alpha"] * error.sum(axis=1, keepdims=True) / m]


def _run(optimiser, i):
    theta = [t.copy() for t in i["theta"]]
    for g in i["g"]:
        optimiser.step(theta, g)
    return theta


def _reference_run(i, update):
    """θ after the steps of ``update(theta, g, state, t)`` (t from 1), one parameter at a time."""
    result = []
    for k, theta in enumerate(i["theta"]):
        theta, state = theta.copy(), {}
        for t, g in enumerate(i["g"], start=1):
            theta = update(theta, g[k], state, t)
        result.append(theta)
    return result


def _momentum(i, nesterov=False):
    b, a = i["beta"], i["alpha"]

    def update(theta, g, state, t):
        v = state["v"] = b * state.get("v", 0) + (1 - b) * g
        return theta - a * (b * v + (1 - b) * g if nesterov else v)

    return _reference_run(i, update)


def _adagrad(i):
    def update(theta, g, state, t):
        G = state["G"] = state.get("G", 0) + g**2
        return theta - i["alpha"] / (np.sqrt(G) + i["eps"]) * g

    return _reference_run(i, update)


def _rmsprop(i):
    def update(theta, g, state, t):
        s = state["s"] = i["beta"] * state.get("s", 0) + (1 - i["beta"]) * g**2
        return theta - i["alpha"] / (np.sqrt(s) + i["eps"]) * g

    return _reference_run(i, update)


def _adam(i):
    b1, b2 = i["beta"], i["beta2"]

    def update(theta, g, state, t):
        m = state["m"] = b1 * state.get("m", 0) + (1 - b1) * g
        v = state["v"] = b2 * state.get("v", 0) + (1 - b2) * g**2
        m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
        return theta - i["alpha"] * m_hat / (np.sqrt(v_hat) + i["eps"])

    return _reference_run(i, update)


def _central_difference(i):
    J, theta, eps = i["J"], i["theta"], i["eps"]
    grad = np.zeros_like(theta)
    for k in np.ndindex(theta.shape):
        e_k = np.zeros_like(theta)
        e_k[k] = 1
        grad[k] = (J(theta + eps * e_k) - J(theta - eps * e_k)) / (2 * eps)
    return grad


def _cubic(rng):
    C = _normal(rng, 3, 2)
    return lambda theta: float(np.sum(C * theta**3) + np.sum(np.sin(theta)))


def _clip_inputs(rng):
    return {
        "g": [_normal(rng, 3, 2, scale=3), _normal(rng, 4)],
        "tau": float(rng.choice([0.5, 2.0, 50.0])),
    }


def _clip_reference(i):
    g, tau = i["g"], i["tau"]
    norm = math.sqrt(sum(float(np.sum(x * x)) for x in g))
    return [x * tau / norm if norm > tau else x for x in g]


def _clip(i):
    recurrent.clip_by_global_norm(i["g"], i["tau"])
    return i["g"]


def _penalty_inputs(rng):
    return {
        "weights": [_normal(rng, 3, 4), _normal(rng, 2, 3)],
        "lambda": float(rng.uniform(0, 2)),
        "m": int(rng.integers(1, 50)),
        "W": _normal(rng, 3, 4),
        "dW": _normal(rng, 3, 4),
    }


def _dropout_inputs(rng):
    return {
        "A": _normal(rng, 5, 8),
        "p": float(rng.uniform(0.2, 0.9)),
        "seed": int(rng.integers(1 << 30)),
    }


def _dropout_reference(i):
    U = np.random.default_rng(i["seed"]).random(i["A"].shape)  # U[l], uniform on [0, 1)
    D = (U < i["p"]).astype(float)
    return i["A"] * D / i["p"]


def _dropout(i):
    layer = regularisation.Dropout(i["p"], np.random.default_rng(i["seed"]))
    return layer.forward(i["A"], training=True)


def _sizes(rng):
    n, f = int(rng.integers(3, 30)), int(rng.integers(1, 4))
    return {"n": n, "f": f, "p": int(rng.integers(0, 3)), "s": int(rng.integers(1, 4))}


def _logits(rng, K=4, m=6):
    Z = _normal(rng, K, m, scale=3)
    Y = np.eye(K)[:, rng.integers(0, K, m)]
    Y_hat = np.exp(Z) / np.exp(Z).sum(axis=0)
    return {"z": Z, "y": Y, "y_{h}": Y_hat, "Y": Y, "Y_{h}": Y_hat}


def _softmax_backward_inputs(rng, K=4, m=6):
    Z = _normal(rng, K, m, scale=2)
    return {"Y_hat": np.exp(Z) / np.exp(Z).sum(axis=0), "dY_hat": _normal(rng, K, m)}


def _softmax_backward_reference(i):
    """dz_j = Σ_k dŷ_k ∂ŷ_k/∂z_j with the Jacobian ∂ŷ_k/∂z_j = ŷ_k (δ_kj − ŷ_j) formed."""
    Y_hat, dY_hat = i["Y_hat"], i["dY_hat"]
    dZ = np.empty_like(Y_hat)
    for n in range(Y_hat.shape[1]):
        y = Y_hat[:, n]
        jacobian = np.diag(y) - np.outer(y, y)  # [k, j] = ŷ_k (δ_kj − ŷ_j)
        dZ[:, n] = jacobian.T @ dY_hat[:, n]
    return dZ


def _binary(rng, m=8):
    z = _normal(rng, 1, m, scale=3)
    return {"z": z, "y": rng.integers(0, 2, (1, m)).astype(float), "y_{h}": _sigma(z), "m": m}


def _f1_inputs(rng):
    c = _counts(*_labels(rng))
    return {
        **c,
        "p": c["T_{P}"] / (c["T_{P}"] + c["F_{P}"]),
        "r": c["T_{P}"] / (c["T_{P}"] + c["F_{N}"]),
    }


def _with_dZ(inputs, rng):
    return {**inputs, "dZ": _normal(rng, *_conv_reference(inputs).shape)}


def _conv_backward_reference(i):
    A, W, s, p, dZ = i["A"], i["W"], i["s"], i["p"], i["dZ"]
    n_C, n_C_prev, f, _ = W.shape
    m = A.shape[3]
    A_pad = np.pad(A, ((0, 0), (p, p), (p, p), (0, 0)))
    dW, db = np.zeros_like(W), np.zeros((n_C, 1))
    for k in range(n_C):
        for h in range(dZ.shape[1]):
            for w in range(dZ.shape[2]):
                for c in range(n_C_prev):
                    for u in range(f):
                        for v in range(f):
                            dW[k, c, u, v] += np.sum(dZ[k, h, w] * A_pad[c, h * s + u, w * s + v])
                db[k] += np.sum(dZ[k, h, w])
    return dW / m, db / m


def _conv_dx_reference(i):
    W, dZ = i["W"], i["dZ"]
    n_C, n_C_prev, f, _ = W.shape
    W_flipped = W[:, :, ::-1, ::-1]
    dZ_pad = np.pad(dZ, ((0, 0), (f - 1, f - 1), (f - 1, f - 1), (0, 0)))
    dX = np.zeros_like(i["A"])
    for c in range(n_C_prev):
        for r in range(dX.shape[1]):
            for t in range(dX.shape[2]):
                for k in range(n_C):
                    for u in range(f):
                        for v in range(f):
                            dX[c, r, t] += W_flipped[k, c, u, v] * dZ_pad[k, r + u, t + v]
    return dX


def _leaves(rng, *shapes):
    return [graph.Node(_normal(rng, *shape)) for shape in shapes]


def _graph_backward(i, build):
    """Build ``v`` from fresh leaves, backpropagate ``v̄`` into it, return the leaves' ū."""
    leaves = [graph.Node(u.copy()) for u in i["u"]]
    build(*leaves).backward(i["v_bar"].copy())
    return [leaf.grad for leaf in leaves]


def _graph_inputs(rng, *shapes, out):
    return {"u": [_normal(rng, *shape) for shape in shapes], "v_bar": _normal(rng, *out)}


def _positive_pair(rng, shape):
    """A numerator of either sign and a denominator between 0.5 and 1.5."""
    return [_normal(rng, *shape), 0.5 + rng.random(shape)]


def _lstm_step_backward_reference(i):
    p, x, a, c, da, dc_t = i["p"], i["x"], i["a"], i["c"], i["da"], i["dc"]
    m, n_a = x.shape[1], a.shape[0]
    concat = np.concatenate([a, x])
    gamma = {g: _sigma(p[f"W_{g}"] @ concat + p[f"b_{g}"]) for g in "fio"}
    c_tilde = np.tanh(p["W_c"] @ concat + p["b_c"])
    c_t = gamma["f"] * c + gamma["i"] * c_tilde
    d_gamma = {"o": da * np.tanh(c_t)}
    dc = dc_t + da * gamma["o"] * (1 - np.tanh(c_t) ** 2)
    d_gamma["f"], d_gamma["i"] = dc * c, dc * c_tilde
    dc_tilde, dc_prev = dc * gamma["i"], dc * gamma["f"]
    dz = {g: d_gamma[g] * gamma[g] * (1 - gamma[g]) for g in "fio"}
    dz["c"] = dc_tilde * (1 - c_tilde**2)
    grads = {}
    for g in "fico":
        grads[f"W_{g}"] = dz[g] @ concat.T / m
        grads[f"b_{g}"] = dz[g].sum(axis=1, keepdims=True) / m
    dconcat = sum(p[f"W_{g}"].T @ dz[g] for g in "fico")
    return dconcat[:n_a], dc_prev, dconcat[n_a:], [grads[k] for k in sorted(grads)]


def _lstm_step_backward(i):
    cell = i["cell"]
    cell.zero_grads()
    *_, cache = cell.step_forward(i["x"], i["a"], i["c"])
    da_prev, dc_prev, dx = cell.step_backward(i["da"], i["dc"], cache)
    return da_prev, dc_prev, dx, [cell.grads[k].copy() for k in sorted(cell.grads)]


LATEX = {
    "eq-backprop-dz": r"""dZ^{[l]} = dA^{[l]} \odot g'^{[l]}\!\left(Z^{[l]}\right)""",
    "eq-backprop-dw": r"""dW^{[l]} = \frac{1}{m}\, dZ^{[l]} \, A^{[l-1]\top}""",
    "eq-backprop-db": r"""db^{[l]} = \frac{1}{m} \sum_{i=1}^{m} dz^{[l](i)}""",
    "eq-backprop-da-prev": r"""dA^{[l-1]} = W^{[l]\top} dZ^{[l]}""",
    "eq-cce": r"""\mathcal{L} = -\sum_{k=1}^{K} y_k \log \hat{y}_k""",
    "eq-cce-logits": r"""\mathcal{L} = -\sum_k y_k z_k + \log \sum_{j} e^{z_j}""",
    "eq-softmax-backward": r"""dz_j = \sum_{k=1}^{K} d\hat{y}_k \, \hat{y}_k \left(\delta_{kj} - \hat{y}_j\right)
= \hat{y}_j \left( d\hat{y}_j - \sum_{k=1}^{K} d\hat{y}_k \, \hat{y}_k \right)""",
    "eq-logsumexp": r"""\log \sum_{j} e^{z_j} = c + \log \sum_{j} e^{z_j - c}, \qquad c = \max_k z_k""",
    "eq-cce-gradient": r"""dZ^{[L]} = \hat{Y} - Y""",
    "eq-maxpool-backward": r"""dA^{[l-1]}_{k,\, hs+u,\, ws+v} \mathrel{+}= M_{k,h,w,u,v} \; dA^{[l]}_{k,h,w},
\qquad M_{k,h,w,u,v} = \begin{cases} 1 & \text{if } (u, v) \text{ is the max of window } (h, w) \\ 0 & \text{otherwise} \end{cases}""",
    "eq-avgpool-backward": r"""dA^{[l-1]}_{k,\, hs+u,\, ws+v} \mathrel{+}= \frac{1}{f^2} \, dA^{[l]}_{k,h,w}""",
    "eq-conv-backward": r"""dW_{k,c,u,v} = \frac{1}{m} \sum_{i=1}^{m} \sum_{h,w} dZ^{(i)}_{k,h,w} \, A^{(i)}_{\text{pad},\,c,\,hs+u,\,ws+v},
\qquad
db_k = \frac{1}{m} \sum_{i=1}^{m} \sum_{h,w} dZ^{(i)}_{k,h,w}""",
    "eq-conv-backward-dx": r"""dX_{c,r,t} = \sum_{k} \sum_{u'=0}^{f-1} \sum_{v'=0}^{f-1} \widetilde{W}_{k,c,u',v'} \; dZ_{\text{pad},\,k,\, r+u',\, t+v'}
= \sum_k \left( \widetilde{W}_{k,c} \ast dZ_{\text{pad},\,k} \right)_{r,t}""",
    "eq-conv-forward": r"""Z^{[l]}_{k,h,w} = \sum_{c=0}^{n_C^{[l-1]}-1} \sum_{u=0}^{f-1} \sum_{v=0}^{f-1}
W^{[l]}_{k,c,u,v} \, A^{[l-1]}_{\text{pad},\,c,\, hs+u,\, ws+v} + b^{[l]}_k""",
    "eq-conv-output-size": r"""n_H^{[l]} = 1 + \left\lfloor \frac{n_H^{[l-1]} - f + 2p}{s} \right\rfloor""",
    "eq-maxpool-forward": r"""A^{[l]}_{k,h,w} = \max_{0 \le u, v < f} A^{[l-1]}_{k,\, hs+u,\, ws+v}""",
    "eq-avgpool-forward": r"""A^{[l]}_{k,h,w} = \frac{1}{f^2} \sum_{u=0}^{f-1} \sum_{v=0}^{f-1} A^{[l-1]}_{k,\, hs+u,\, ws+v}""",
    "eq-softmax": r"""\hat{y}_k = \frac{e^{z_k}}{\sum_{j=1}^{K} e^{z_j}}""",
    "eq-l2-penalty": r"""J_{\text{L2}} = J + \frac{\lambda}{2m} \sum_{l} \sum_{j,k} \left(W^{[l]}_{jk}\right)^2""",
    "eq-l1-penalty": r"""J_{\text{L1}} = J + \frac{\lambda}{m} \sum_{l} \sum_{j,k} \left|W^{[l]}_{jk}\right|""",
    "eq-l2-gradient": r"""dW^{[l]}_{\text{L2}} = dW^{[l]} + \frac{\lambda}{m} W^{[l]}""",
    "eq-l1-gradient": r"""dW^{[l]}_{\text{L1}} = dW^{[l]} + \frac{\lambda}{m} \operatorname{sign}\left(W^{[l]}\right)""",
    "eq-dropout": r"""M^{[l]} = \mathbb{1}\left[U^{[l]} < p\right], \qquad
A^{[l]} \leftarrow \frac{A^{[l]} \odot M^{[l]}}{p}""",
    "eq-tanh": r"""\tanh(z) = \frac{e^{z} - e^{-z}}{e^{z} + e^{-z}} = 2\sigma(2z) - 1""",
    "eq-tanh-prime": r"""\tanh'(z) = 1 - \tanh^2(z)""",
    "eq-relu": r"""\operatorname{ReLU}(z) = \max(0, z)""",
    "eq-relu-prime": r"""\operatorname{ReLU}'(z) = \begin{cases} 1 & z > 0 \\ 0 & z \le 0 \end{cases}""",
    "eq-leaky-relu": r"""\operatorname{LeakyReLU}(z) = \begin{cases} z & z > 0 \\ \kappa z & z \le 0 \end{cases}""",
    "eq-leaky-relu-prime": r"""\operatorname{LeakyReLU}'(z) = \begin{cases} 1 & z > 0 \\ \kappa & z \le 0 \end{cases}""",
    "eq-dense-forward": r"""Z^{[l]} = W^{[l]} A^{[l-1]} + b^{[l]}""",
    "eq-activation": r"""A^{[l]} = g^{[l]}\!\left(Z^{[l]}\right)""",
    "eq-init-small": r"""W^{[l]}_{jk} \sim \mathcal{N}\!\left(0,\ 0.01^2\right), \qquad b^{[l]} = 0""",
    "eq-init-xavier": r"""W^{[l]}_{jk} \sim \mathcal{N}\!\left(0,\ \frac{2}{n^{[l-1]} + n^{[l]}}\right), \qquad b^{[l]} = 0""",
    "eq-init-he": r"""W^{[l]}_{jk} \sim \mathcal{N}\!\left(0,\ \frac{2}{n^{[l-1]}}\right), \qquad b^{[l]} = 0""",
    "eq-mse": r"""J(W, b) = \frac{1}{2m} \sum_{i=1}^{m} \left(\hat{y}^{(i)} - y^{(i)}\right)^2 .""",
    "eq-bce": r"""J(W, b) = -\frac{1}{m} \sum_{i=1}^{m} \left[ y^{(i)} \log \hat{y}^{(i)} + \left(1 -
y^{(i)}\right) \log\left(1 - \hat{y}^{(i)}\right) \right].""",
    "eq-softplus": r"""\operatorname{softplus}(z) = \log\left(1 + e^{z}\right).""",
    "eq-bce-logits": r"""\mathcal{L} = y \operatorname{softplus}(-z) + (1 - y) \operatorname{softplus}(z)
= \operatorname{softplus}(z) - y z ,""",
    "eq-sigmoid-prime": r"""\sigma'(z) = \sigma(z)\left(1 - \sigma(z)\right).""",
    "eq-mse-gradient": r"""dz^{(i)} = \hat{y}^{(i)} - y^{(i)}.""",
    "eq-linear-gradients": r"""\frac{\partial J}{\partial W} = \frac{1}{m}\left(\hat{Y} - Y\right) X^{\top},
\qquad
\frac{\partial J}{\partial b} = \frac{1}{m} \sum_{i=1}^{m} \left(\hat{y}^{(i)} - y^{(i)}\right).""",
    "eq-bce-gradient": r"""dz^{(i)} = \frac{\partial \mathcal{L}^{(i)}}{\partial z^{(i)}} = \hat{y}^{(i)} - y^{(i)} .""",
    "eq-gd-update": r"""W \leftarrow W - \alpha \frac{\partial J}{\partial W},
\qquad
b \leftarrow b - \alpha \frac{\partial J}{\partial b}.""",
    "eq-central-difference": r"""\frac{\partial J}{\partial \theta_k} \approx
\frac{J(\theta + \varepsilon e_k) - J(\theta - \varepsilon e_k)}{2\varepsilon},""",
    "eq-relative-error": r"""\frac{\lVert g - \tilde{g} \rVert}{\lVert g \rVert + \lVert \tilde{g} \rVert},""",
    "eq-precision": r"""\text{precision} = \frac{TP}{TP + FP}""",
    "eq-recall": r"""\text{recall} = \frac{TP}{TP + FN}""",
    "eq-f1": r"""F_1 = \frac{2\,\text{precision}\cdot\text{recall}}{\text{precision} + \text{recall}}
= \frac{2\,TP}{2\,TP + FP + FN}""",
    "eq-linear-regression": r"""\hat{Y} = WX + b""",
    "eq-logistic-regression": r"""\hat{Y} = \sigma(WX + b)""",
    "eq-sigmoid": r"""\sigma(z) = \frac{1}{1 + e^{-z}}.""",
    "eq-accuracy": r"""\text{accuracy} = \frac{1}{m}\sum_{i=1}^{m} \mathbb{1}\left[\hat{y}^{(i)}_{\text{label}} = y^{(i)}\right].""",
    "eq-rnn-step": r"""a^{\langle t \rangle} = \tanh\!\left(W_a\,[a^{\langle t-1 \rangle}, x^{\langle t \rangle}] + b_a\right)""",
    "eq-rnn-step-backward": r"""\begin{aligned}
dz^{\langle t \rangle} &= da^{\langle t \rangle} \odot \left(1 - (a^{\langle t \rangle})^2\right) \\
dW_a &\mathrel{+}= \tfrac{1}{m}\, dz^{\langle t \rangle}\, [a^{\langle t-1 \rangle}, x^{\langle t \rangle}]^{\top} \\
db_a &\mathrel{+}= \tfrac{1}{m} \textstyle\sum_{i} dz^{\langle t \rangle (i)} \\
[da^{\langle t-1 \rangle}_{\text{step}},\; dx^{\langle t \rangle}] &= W_a^{\top}\, dz^{\langle t \rangle}
\end{aligned}""",
    "eq-bptt": r"""da^{\langle t \rangle} = \underbrace{\frac{\partial \mathcal{L}}{\partial a^{\langle t \rangle}}\Big|_{\text{output at } t}}_{\text{0 if no output at } t} + \; W_{aa}^{\top}\, dz^{\langle t+1 \rangle},
\qquad
\frac{\partial J}{\partial W_a} = \frac{1}{m} \sum_{t=1}^{T} dz^{\langle t \rangle}\, [a^{\langle t-1 \rangle}, x^{\langle t \rangle}]^{\top}""",
    "eq-gradient-clipping": r"""g \leftarrow \begin{cases} g \cdot \dfrac{\tau}{\lVert g \rVert} & \text{if } \lVert g \rVert > \tau \\[4pt] g & \text{otherwise} \end{cases}""",
    "eq-gru-step": r"""\begin{aligned}
\Gamma_r &= \sigma\!\left(W_r\,[a^{\langle t-1 \rangle}, x^{\langle t \rangle}] + b_r\right) \\
\Gamma_u &= \sigma\!\left(W_u\,[a^{\langle t-1 \rangle}, x^{\langle t \rangle}] + b_u\right) \\
\tilde{c}^{\langle t \rangle} &= \tanh\!\left(W_c\,[\Gamma_r \odot a^{\langle t-1 \rangle}, x^{\langle t \rangle}] + b_c\right) \\
a^{\langle t \rangle} &= \Gamma_u \odot \tilde{c}^{\langle t \rangle} + (1 - \Gamma_u) \odot a^{\langle t-1 \rangle}
\end{aligned}""",
    "eq-gru-step-backward": r"""\begin{aligned}
d\tilde{c}^{\langle t \rangle} &= da^{\langle t \rangle} \odot \Gamma_u, \qquad
d\Gamma_u = da^{\langle t \rangle} \odot \left(\tilde{c}^{\langle t \rangle} - a^{\langle t-1 \rangle}\right), \qquad
dz_c = d\tilde{c}^{\langle t \rangle} \odot \left(1 - (\tilde{c}^{\langle t \rangle})^2\right) \\
[d\hat{a},\; dx_c] &= W_c^{\top}\, dz_c, \qquad
d\Gamma_r = d\hat{a} \odot a^{\langle t-1 \rangle}, \qquad
dz_\gamma = d\Gamma_\gamma \odot \Gamma_\gamma \odot (1 - \Gamma_\gamma) \;\; (\gamma = r, u) \\
dW_c &\mathrel{+}= \tfrac{1}{m}\, dz_c\, [\hat{a}, x^{\langle t \rangle}]^{\top}, \qquad
dW_\gamma \mathrel{+}= \tfrac{1}{m}\, dz_\gamma\, [a^{\langle t-1 \rangle}, x^{\langle t \rangle}]^{\top} \;\; (\gamma = r, u) \\
db_\gamma &\mathrel{+}= \tfrac{1}{m} \textstyle\sum_{i} dz_\gamma^{(i)} \;\; (\gamma = r, u, c) \\
[da^{\langle t-1 \rangle}_{\text{step}},\; dx^{\langle t \rangle}] &= [da^{\langle t \rangle} \odot (1 - \Gamma_u) + d\hat{a} \odot \Gamma_r,\; dx_c] + W_r^{\top} dz_r + W_u^{\top} dz_u
\end{aligned}""",
    "eq-lstm-step": r"""\begin{aligned}
\Gamma_f &= \sigma\!\left(W_f\,[a^{\langle t-1 \rangle}, x^{\langle t \rangle}] + b_f\right) \\
\Gamma_i &= \sigma\!\left(W_i\,[a^{\langle t-1 \rangle}, x^{\langle t \rangle}] + b_i\right) \\
\tilde{c}^{\langle t \rangle} &= \tanh\!\left(W_c\,[a^{\langle t-1 \rangle}, x^{\langle t \rangle}] + b_c\right) \\
\Gamma_o &= \sigma\!\left(W_o\,[a^{\langle t-1 \rangle}, x^{\langle t \rangle}] + b_o\right) \\
c^{\langle t \rangle} &= \Gamma_f \odot c^{\langle t-1 \rangle} + \Gamma_i \odot \tilde{c}^{\langle t \rangle} \\
a^{\langle t \rangle} &= \Gamma_o \odot \tanh\!\left(c^{\langle t \rangle}\right)
\end{aligned}""",
    "eq-momentum": r"""v_t = \beta\, v_{t-1} + (1 - \beta)\, g_t, \qquad \theta \leftarrow \theta - \alpha\, v_t""",
    "eq-nesterov": r"""v_t = \beta\, v_{t-1} + (1 - \beta)\, g_t, \qquad \theta \leftarrow \theta - \alpha \left(\beta\, v_t + (1 - \beta)\, g_t\right)""",
    "eq-adagrad": r"""G_t = G_{t-1} + g_t^2, \qquad \theta \leftarrow \theta - \frac{\alpha}{\sqrt{G_t} + \varepsilon}\, g_t""",
    "eq-rmsprop": r"""s_t = \beta\, s_{t-1} + (1 - \beta)\, g_t^2, \qquad \theta \leftarrow \theta - \frac{\alpha}{\sqrt{s_t} + \varepsilon}\, g_t""",
    "eq-adam": r"""\begin{aligned}
m_t &= \beta_1\, m_{t-1} + (1 - \beta_1)\, g_t, & \hat{m}_t &= \frac{m_t}{1 - \beta_1^t}, \\
v_t &= \beta_2\, v_{t-1} + (1 - \beta_2)\, g_t^2, & \hat{v}_t &= \frac{v_t}{1 - \beta_2^t}, \\
\theta &\leftarrow \theta - \frac{\alpha\, \hat{m}_t}{\sqrt{\hat{v}_t} + \varepsilon}
\end{aligned}""",
    "eq-lr-exponential-decay": r"""\alpha_t = \alpha_0\, e^{-k t}""",
    "eq-lr-inverse-time-decay": r"""\alpha_t = \frac{\alpha_0}{1 + k t}""",
    "eq-graph-accumulate": r"""\bar{u} = \frac{\partial J}{\partial u} = \sum_{j=1}^{k} \bar{v}_j \, \frac{\partial v_j}{\partial u}""",
    "eq-graph-add": r"""\bar{u}_1 \mathrel{+}= \bar{v}, \qquad \bar{u}_2 \mathrel{+}= \bar{v}""",
    "eq-graph-broadcast": r"""\bar{b} \mathrel{+}= \sum_{i=1}^{m} \bar{v}_{:, i}""",
    "eq-graph-mul": r"""\bar{u}_1 \mathrel{+}= \bar{v} \odot u_2, \qquad \bar{u}_2 \mathrel{+}= \bar{v} \odot u_1""",
    "eq-graph-matmul": r"""\bar{W} \mathrel{+}= \bar{Z} A^{\top}, \qquad \bar{A} \mathrel{+}= W^{\top} \bar{Z}""",
    "eq-graph-tanh": r"""v = \tanh(u):\quad \bar{u} \mathrel{+}= \bar{v} \odot (1 - v \odot v)""",
    "eq-graph-sigmoid": r"""v = \sigma(u):\quad \bar{u} \mathrel{+}= \bar{v} \odot v \odot (1 - v)""",
    "eq-graph-sub": r"""v = u_1 - u_2:\quad \bar{u}_1 \mathrel{+}= \bar{v}, \quad \bar{u}_2 \mathrel{-}= \bar{v}, \qquad v = -u:\quad \bar{u} \mathrel{-}= \bar{v}""",
    "eq-graph-div": r"""v = u_1 / u_2:\quad \bar{u}_1 \mathrel{+}= \bar{v} / u_2, \qquad \bar{u}_2 \mathrel{-}= \bar{v} \odot v / u_2""",
    "eq-graph-pow": r"""v = u^{r}:\quad \bar{u} \mathrel{+}= r\, \bar{v} \odot u^{r-1}""",
    "eq-graph-relu": r"""v = \operatorname{ReLU}(u):\quad \bar{u} \mathrel{+}= \bar{v} \odot \mathbb{1}[u > 0]""",
    "eq-graph-exp": r"""v = e^{u}:\quad \bar{u} \mathrel{+}= \bar{v} \odot v""",
    "eq-graph-log": r"""v = \log u:\quad \bar{u} \mathrel{+}= \bar{v} / u""",
    "eq-graph-sum": r"""v_j = \sum_{k} u_{jk}:\quad \bar{u}_{jk} \mathrel{+}= \bar{v}_j""",
    "eq-graph-mean": r"""v_j = \frac{1}{n} \sum_{k=1}^{n} u_{jk}:\quad \bar{u}_{jk} \mathrel{+}= \frac{1}{n}\, \bar{v}_j""",
    "eq-graph-logsumexp": r"""v = \log \sum_{k} e^{u_k}:\quad \bar{u}_k \mathrel{+}= \bar{v}\, e^{u_k - v}""",
    "eq-graph-reshape": r"""v = u^{\top}:\quad \bar{u} \mathrel{+}= \bar{v}^{\top}, \qquad v = \operatorname{reshape}(u):\quad \bar{u} \mathrel{+}= \bar{v} \text{ in the shape of } u""",
    "eq-lstm-step-backward": r"""\begin{aligned}
d\Gamma_o &= da^{\langle t \rangle} \odot \tanh(c^{\langle t \rangle}), \qquad
dc = dc^{\langle t \rangle} + da^{\langle t \rangle} \odot \Gamma_o \odot \left(1 - \tanh^2(c^{\langle t \rangle})\right) \\
d\Gamma_f &= dc \odot c^{\langle t-1 \rangle}, \qquad
d\Gamma_i = dc \odot \tilde{c}^{\langle t \rangle}, \qquad
d\tilde{c}^{\langle t \rangle} = dc \odot \Gamma_i, \qquad
dc^{\langle t-1 \rangle} = dc \odot \Gamma_f \\
dz_\gamma &= d\Gamma_\gamma \odot \Gamma_\gamma \odot (1 - \Gamma_\gamma) \;\; (\gamma = f, i, o), \qquad
dz_c = d\tilde{c}^{\langle t \rangle} \odot \left(1 - (\tilde{c}^{\langle t \rangle})^2\right) \\
dW_\gamma &= \tfrac{1}{m}\, dz_\gamma\, [a^{\langle t-1 \rangle}, x^{\langle t \rangle}]^{\top}, \qquad
db_\gamma = \tfrac{1}{m} \textstyle\sum_{j=1}^{m} dz_\gamma^{(j)} \qquad (\gamma = f, i, c, o) \\
[da^{\langle t-1 \rangle}_{\text{step}},\; dx^{\langle t \rangle}] &= W_f^{\top} dz_f + W_i^{\top} dz_i + W_c^{\top} dz_c + W_o^{\top} dz_o
\end{aligned}""",
}

S = Sympy
SIGMA = {"sigma": _sigma}

CHECKS = [
    # Part 2: Linear and Logistic Regression
    Check(
        "eq-linear-regression",
        LATEX["eq-linear-regression"],
        "ddl.linear.linear_forward",
        Numpy(lambda i: i["W"] @ i["X"] + i["b"]),
        lambda rng: {"W": _normal(rng, 1, 4), "b": _normal(rng, 1, 1), "X": _normal(rng, 4, 9)},
        lambda i: linear.linear_forward(i["W"], i["b"], i["X"]),
    ),
    Check(
        "eq-logistic-regression",
        LATEX["eq-logistic-regression"],
        "ddl.linear.logistic_forward",
        Numpy(lambda i: _sigma(i["W"] @ i["X"] + i["b"])),
        lambda rng: {"W": _normal(rng, 1, 4), "b": _normal(rng, 1, 1), "X": _normal(rng, 4, 9)},
        lambda i: linear.logistic_forward(i["W"], i["b"], i["X"]),
    ),
    Check(
        "eq-sigmoid",
        LATEX["eq-sigmoid"],
        "ddl.activations.sigmoid",
        S(),
        lambda rng: {"z": _normal(rng, 3, 7, scale=5)},
        lambda i: activations.sigmoid(i["z"]),
    ),
    Check(
        "eq-accuracy",
        LATEX["eq-accuracy"],
        "ddl.metrics.accuracy",
        Numpy(lambda i: np.mean(i["y_hat"] == i["y"])),
        lambda rng: dict(zip(("y", "y_hat"), _labels(rng))),
        lambda i: metrics.accuracy(i["y"], i["y_hat"]),
    ),
    # Part 3: Learning Through Gradient Descent
    Check(
        "eq-mse",
        LATEX["eq-mse"],
        "ddl.losses.mean_squared_error",
        S(rewrites=((r"\hat{y}", "y_{h}"),)),
        lambda rng: {"y_{h}": _normal(rng, 1, 8), "y": _normal(rng, 1, 8), "m": 8},
        lambda i: losses.mean_squared_error(i["y_{h}"], i["y"]),
    ),
    Check(
        "eq-bce",
        LATEX["eq-bce"],
        "ddl.losses.binary_cross_entropy",
        S(rewrites=((r"\hat{y}", "y_{h}"),)),
        _binary,
        lambda i: losses.binary_cross_entropy(i["z"], i["y"]),
    ),
    Check(
        "eq-softplus",
        LATEX["eq-softplus"],
        "ddl.losses.softplus",
        S(),
        lambda rng: {"z": _normal(rng, 3, 7, scale=5)},
        lambda i: losses.softplus(i["z"]),
    ),
    Check(
        "eq-bce-logits",
        LATEX["eq-bce-logits"],
        "ddl.losses.binary_cross_entropy",
        S(rewrites=((r"\operatorname{softplus}", "S"),), functions={"S": _softplus}),
        lambda rng: {
            "z": _normal(rng, 1, 8, scale=3),
            "y": rng.integers(0, 2, (1, 8)).astype(float),
        },
        lambda i: _per_example(losses.binary_cross_entropy, i["z"], i["y"]),
        note="per example: the function's mean over one example is that example's loss",
    ),
    Check(
        "eq-sigmoid-prime",
        LATEX["eq-sigmoid-prime"],
        "ddl.activations.sigmoid_prime",
        S(functions=SIGMA),
        lambda rng: {"z": _normal(rng, 3, 7, scale=4)},
        lambda i: activations.sigmoid_prime(i["z"]),
    ),
    Check(
        "eq-mse-gradient",
        LATEX["eq-mse-gradient"],
        "ddl.losses.mean_squared_error_gradient",
        S(rewrites=((r"\hat{y}", "y_{h}"),)),
        lambda rng: {"y_{h}": _normal(rng, 1, 8), "y": _normal(rng, 1, 8)},
        lambda i: losses.mean_squared_error_gradient(i["y_{h}"], i["y"]),
    ),
    Check(
        "eq-linear-gradients",
        LATEX["eq-linear-gradients"],
        "ddl.linear.gradients",
        Numpy(
            lambda i: (
                (i["Y_hat"] - i["Y"]) @ i["X"].T / 9,
                np.sum(i["Y_hat"] - i["Y"], axis=1, keepdims=True) / 9,
            )
        ),
        lambda rng: {"Y_hat": _normal(rng, 1, 9), "Y": _normal(rng, 1, 9), "X": _normal(rng, 4, 9)},
        lambda i: linear.gradients(i["Y_hat"], i["Y"], i["X"]),
    ),
    Check(
        "eq-bce-gradient",
        LATEX["eq-bce-gradient"],
        "ddl.losses.binary_cross_entropy_gradient",
        S(sides=(2,), rewrites=((r"\hat{y}", "y_{h}"),)),
        _binary,
        lambda i: losses.binary_cross_entropy_gradient(i["z"], i["y"]),
    ),
    Check(
        "eq-gd-update",
        LATEX["eq-gd-update"],
        "ddl.optimisers.GradientDescent",
        Numpy(lambda i: [t - i["alpha"] * g for t, g in zip(i["theta"], i["g"][0])]),
        lambda rng: _optimiser_inputs(rng, steps=1),
        lambda i: _run(optimisers.GradientDescent(i["alpha"]), i),
    ),
    Check(
        "eq-gd-update",
        LATEX["eq-gd-update"],
        "ddl.linear._GradientDescentModel.fit",
        Numpy(_one_fit_step),
        lambda rng: {
            "X": _normal(rng, 4, 9),
            "Y": _normal(rng, 1, 9),
            "alpha": float(rng.uniform(0.01, 0.5)),
            "seed": int(rng.integers(2**31)),
        },
        lambda i: _fitted(linear.LinearRegression(i["alpha"], n_iterations=1), i),
        note="one step of LinearRegression.fit, from the start it draws from the seeded rng",
    ),
    Check(
        "eq-central-difference",
        LATEX["eq-central-difference"],
        "ddl.gradcheck.numerical_gradient",
        Numpy(_central_difference),
        lambda rng: {"J": _cubic(rng), "theta": _normal(rng, 3, 2), "eps": 1e-6},
        lambda i: gradcheck.numerical_gradient(i["J"], i["theta"], i["eps"]),
    ),
    Check(
        "eq-relative-error",
        LATEX["eq-relative-error"],
        "ddl.gradcheck.relative_error",
        Numpy(
            lambda i: (
                np.linalg.norm(i["g"] - i["g_tilde"])
                / (np.linalg.norm(i["g"]) + np.linalg.norm(i["g_tilde"]))
            )
        ),
        lambda rng: {"g": _normal(rng, 5, 2), "g_tilde": _normal(rng, 5, 2)},
        lambda i: gradcheck.relative_error(i["g"], i["g_tilde"]),
    ),
    Check(
        "eq-precision",
        LATEX["eq-precision"],
        "ddl.metrics.precision",
        S(rewrites=(("TP", "T_{P}"), ("FP", "F_{P}"))),
        lambda rng: _counts(*_labels(rng)),
        lambda i: metrics.precision(i["y"], i["y_hat"]),
    ),
    Check(
        "eq-recall",
        LATEX["eq-recall"],
        "ddl.metrics.recall",
        S(rewrites=(("TP", "T_{P}"), ("FN", "F_{N}"))),
        lambda rng: _counts(*_labels(rng)),
        lambda i: metrics.recall(i["y"], i["y_hat"]),
    ),
    Check(
        "eq-f1",
        LATEX["eq-f1"],
        "ddl.metrics.f1_score",
        S(
            rewrites=(
                (r"\text{precision}", " p "),
                (r"\text{recall}", " r "),
                ("TP", "T_{P}"),
                ("FP", "F_{P}"),
                ("FN", "F_{N}"),
            )
        ),
        _f1_inputs,
        lambda i: metrics.f1_score(i["y"], i["y_hat"]),
    ),
    # Part 4: FeedForward Neural Networks
    Check(
        "eq-tanh",
        LATEX["eq-tanh"],
        "ddl.activations.tanh",
        S(functions=SIGMA),
        lambda rng: {"z": _normal(rng, 3, 7, scale=3)},
        lambda i: activations.tanh(i["z"]),
    ),
    Check(
        "eq-tanh-prime",
        LATEX["eq-tanh-prime"],
        "ddl.activations.tanh_prime",
        S(),
        lambda rng: {"z": _normal(rng, 3, 7, scale=3)},
        lambda i: activations.tanh_prime(i["z"]),
    ),
    Check(
        "eq-relu",
        LATEX["eq-relu"],
        "ddl.activations.relu",
        S(rewrites=((r"\max", "M"),), functions={"M": np.maximum}),
        lambda rng: {"z": _normal(rng, 3, 7)},
        lambda i: activations.relu(i["z"]),
    ),
    Check(
        "eq-relu-prime",
        LATEX["eq-relu-prime"],
        "ddl.activations.relu_prime",
        Numpy(lambda i: np.where(i["z"] > 0, 1.0, 0.0)),
        lambda rng: {"z": np.append(_normal(rng, 20), 0.0)},
        lambda i: activations.relu_prime(i["z"]),
    ),
    Check(
        "eq-leaky-relu",
        LATEX["eq-leaky-relu"],
        "ddl.activations.leaky_relu",
        Numpy(lambda i: np.where(i["z"] > 0, i["z"], i["kappa"] * i["z"])),
        lambda rng: {"z": _normal(rng, 3, 7), "kappa": float(rng.uniform(0.01, 0.3))},
        lambda i: activations.leaky_relu(i["z"], alpha=i["kappa"]),
    ),
    Check(
        "eq-leaky-relu-prime",
        LATEX["eq-leaky-relu-prime"],
        "ddl.activations.leaky_relu_prime",
        Numpy(lambda i: np.where(i["z"] > 0, 1.0, i["kappa"])),
        lambda rng: {"z": np.append(_normal(rng, 20), 0.0), "kappa": float(rng.uniform(0.01, 0.3))},
        lambda i: activations.leaky_relu_prime(i["z"], alpha=i["kappa"]),
    ),
    Check(
        "eq-dense-forward",
        LATEX["eq-dense-forward"],
        "ddl.layers.Dense.forward",
        Numpy(lambda i: i["W"] @ i["A"] + i["b"]),
        lambda rng: _dense(rng, "identity"),
        lambda i: i["layer"].forward(i["A"]),
    ),
    Check(
        "eq-activation",
        LATEX["eq-activation"],
        "ddl.layers.Dense.forward",
        Numpy(lambda i: np.tanh(i["W"] @ i["A"] + i["b"])),
        lambda rng: _dense(rng, "tanh"),
        lambda i: i["layer"].forward(i["A"]),
    ),
    Check(
        "eq-init-small",
        LATEX["eq-init-small"],
        "ddl.initialisers.small_random",
        Numpy(lambda i: 0.01 * np.random.default_rng(i["seed"]).standard_normal(i["shape"])),
        _weight_shape_and_seed,
        lambda i: initialisers.small_random(i["shape"], np.random.default_rng(i["seed"])),
        note="N(0, 0.01²) drawn as 0.01 times a standard normal from the same generator",
    ),
    Check(
        "eq-init-xavier",
        LATEX["eq-init-xavier"],
        "ddl.initialisers.xavier",
        Numpy(
            lambda i: (
                math.sqrt(2 / (i["shape"][1] + i["shape"][0]))
                * np.random.default_rng(i["seed"]).standard_normal(i["shape"])
            )
        ),
        _weight_shape_and_seed,
        lambda i: initialisers.xavier(i["shape"], np.random.default_rng(i["seed"])),
        note="a dense weight is (n[l], n[l-1]): fan-in n[l-1] = shape[1], fan-out n[l] = shape[0]",
    ),
    Check(
        "eq-init-he",
        LATEX["eq-init-he"],
        "ddl.initialisers.he",
        Numpy(
            lambda i: (
                math.sqrt(2 / i["shape"][1])
                * np.random.default_rng(i["seed"]).standard_normal(i["shape"])
            )
        ),
        _weight_shape_and_seed,
        lambda i: initialisers.he(i["shape"], np.random.default_rng(i["seed"])),
        note="N(0, 2/n) drawn as sqrt(2/n) times a standard normal from the same generator",
    ),
    # Part 5: Backpropagation
    Check(
        "eq-backprop-dz",
        LATEX["eq-backprop-dz"],
        "ddl.activations.Activation",
        Numpy(lambda i: [i["dA"] * _DERIVATIVES[name](i["Z"]) for name in i["names"]]),
        lambda rng: {
            "Z": _normal(rng, 3, 6),
            "dA": _normal(rng, 3, 6),
            "names": ("identity", "sigmoid", "tanh", "relu"),
        },
        lambda i: [
            activations.ACTIVATIONS[name].backward(
                i["dA"], i["Z"], activations.ACTIVATIONS[name].forward(i["Z"])
            )
            for name in i["names"]
        ],
    ),
    Check(
        "eq-backprop-dz",
        LATEX["eq-backprop-dz"],
        "ddl.layers.Dense.backward",
        Numpy(lambda i: i["W"].T @ _dZ(i)),
        lambda rng: _dense(rng, "tanh"),
        lambda i: _dense_backward(i)[2],
        note="dZ seen through dA_prev = Wᵀ dZ",
    ),
    Check(
        "eq-backprop-dw",
        LATEX["eq-backprop-dw"],
        "ddl.layers.Dense.backward",
        Numpy(lambda i: _dZ(i) @ i["A"].T / i["m"]),
        lambda rng: _dense(rng, "tanh"),
        lambda i: _dense_backward(i)[0],
    ),
    Check(
        "eq-backprop-db",
        LATEX["eq-backprop-db"],
        "ddl.layers.Dense.backward",
        Numpy(lambda i: np.sum(_dZ(i), axis=1, keepdims=True) / i["m"]),
        lambda rng: _dense(rng, "tanh"),
        lambda i: _dense_backward(i)[1],
    ),
    Check(
        "eq-backprop-da-prev",
        LATEX["eq-backprop-da-prev"],
        "ddl.layers.Dense.backward",
        Numpy(lambda i: i["W"].T @ _dZ(i)),
        lambda rng: _dense(rng, "tanh"),
        lambda i: _dense_backward(i)[2],
    ),
    # Part 6: Optimising Gradient Descent
    Check(
        "eq-momentum",
        LATEX["eq-momentum"],
        "ddl.optimisers.Momentum",
        Numpy(_momentum),
        _optimiser_inputs,
        lambda i: _run(optimisers.Momentum(i["alpha"], i["beta"]), i),
    ),
    Check(
        "eq-nesterov",
        LATEX["eq-nesterov"],
        "ddl.optimisers.Nesterov",
        Numpy(lambda i: _momentum(i, nesterov=True)),
        _optimiser_inputs,
        lambda i: _run(optimisers.Nesterov(i["alpha"], i["beta"]), i),
    ),
    Check(
        "eq-adagrad",
        LATEX["eq-adagrad"],
        "ddl.optimisers.AdaGrad",
        Numpy(_adagrad),
        _optimiser_inputs,
        lambda i: _run(optimisers.AdaGrad(i["alpha"], i["eps"]), i),
    ),
    Check(
        "eq-rmsprop",
        LATEX["eq-rmsprop"],
        "ddl.optimisers.RMSProp",
        Numpy(_rmsprop),
        _optimiser_inputs,
        lambda i: _run(optimisers.RMSProp(i["alpha"], i["beta"], i["eps"]), i),
    ),
    Check(
        "eq-adam",
        LATEX["eq-adam"],
        "ddl.optimisers.Adam",
        Numpy(_adam),
        _optimiser_inputs,
        lambda i: _run(optimisers.Adam(i["alpha"], i["beta"], i["beta2"], i["eps"]), i),
    ),
    Check(
        "eq-lr-exponential-decay",
        LATEX["eq-lr-exponential-decay"],
        "ddl.schedules.ExponentialDecay",
        S(),
        lambda rng: {
            "alpha_{0}": float(rng.uniform(0.01, 1)),
            "k": float(rng.uniform(0, 0.1)),
            "t": int(rng.integers(0, 100)),
        },
        lambda i: schedules.ExponentialDecay(i["alpha_{0}"], i["k"])(i["t"]),
    ),
    Check(
        "eq-lr-inverse-time-decay",
        LATEX["eq-lr-inverse-time-decay"],
        "ddl.schedules.InverseTimeDecay",
        S(),
        lambda rng: {
            "alpha_{0}": float(rng.uniform(0.01, 1)),
            "k": float(rng.uniform(0, 0.1)),
            "t": int(rng.integers(0, 100)),
        },
        lambda i: schedules.InverseTimeDecay(i["alpha_{0}"], i["k"])(i["t"]),
    ),
    # Part 7: Debugging the Learning Curve
    Check(
        "eq-l2-penalty",
        LATEX["eq-l2-penalty"],
        "ddl.regularisation.l2_penalty",
        Numpy(
            lambda i: i["J"] + i["lambda"] / (2 * i["m"]) * sum(np.sum(W**2) for W in i["weights"])
        ),
        lambda rng: {**_penalty_inputs(rng), "J": float(rng.uniform(0, 3))},
        lambda i: i["J"] + regularisation.l2_penalty(i["weights"], i["lambda"], i["m"]),
    ),
    Check(
        "eq-l1-penalty",
        LATEX["eq-l1-penalty"],
        "ddl.regularisation.l1_penalty",
        Numpy(
            lambda i: i["J"] + i["lambda"] / i["m"] * sum(np.sum(np.abs(W)) for W in i["weights"])
        ),
        lambda rng: {**_penalty_inputs(rng), "J": float(rng.uniform(0, 3))},
        lambda i: i["J"] + regularisation.l1_penalty(i["weights"], i["lambda"], i["m"]),
    ),
    Check(
        "eq-l2-gradient",
        LATEX["eq-l2-gradient"],
        "ddl.regularisation.l2_gradient",
        Numpy(lambda i: i["dW"] + i["lambda"] / i["m"] * i["W"]),
        _penalty_inputs,
        lambda i: i["dW"] + regularisation.l2_gradient(i["W"], i["lambda"], i["m"]),
    ),
    Check(
        "eq-l1-gradient",
        LATEX["eq-l1-gradient"],
        "ddl.regularisation.l1_gradient",
        Numpy(lambda i: i["dW"] + i["lambda"] / i["m"] * np.sign(i["W"])),
        _penalty_inputs,
        lambda i: i["dW"] + regularisation.l1_gradient(i["W"], i["lambda"], i["m"]),
    ),
    Check(
        "eq-dropout",
        LATEX["eq-dropout"],
        "ddl.regularisation.Dropout",
        Numpy(_dropout_reference),
        _dropout_inputs,
        _dropout,
        note="U drawn by the same generator, uniform on [0, 1)",
    ),
    # Part 8: Convolutional Neural Networks
    Check(
        "eq-conv-forward",
        LATEX["eq-conv-forward"],
        "ddl.conv.conv_forward",
        Numpy(_conv_reference),
        _conv_inputs,
        lambda i: conv.conv_forward(i["A"], i["W"], i["b"], i["s"], i["p"])[0],
    ),
    Check(
        "eq-conv-output-size",
        LATEX["eq-conv-output-size"],
        "ddl.conv.conv_output_size",
        S(rewrites=(("n_H^{[l-1]}", "n"),)),
        _sizes,
        lambda i: conv.conv_output_size(i["n"], i["f"], i["p"], i["s"]),
    ),
    Check(
        "eq-maxpool-forward",
        LATEX["eq-maxpool-forward"],
        "ddl.pooling.MaxPool2D",
        Numpy(lambda i: _pool_reference(i, lambda x: x.max(axis=(1, 2)))),
        _pool_inputs,
        lambda i: pooling.MaxPool2D(i["f"], i["s"]).forward(i["A"]),
    ),
    Check(
        "eq-avgpool-forward",
        LATEX["eq-avgpool-forward"],
        "ddl.pooling.AvgPool2D",
        Numpy(lambda i: _pool_reference(i, lambda x: x.mean(axis=(1, 2)))),
        _pool_inputs,
        lambda i: pooling.AvgPool2D(i["f"], i["s"]).forward(i["A"]),
    ),
    Check(
        "eq-softmax",
        LATEX["eq-softmax"],
        "ddl.activations.softmax",
        S(rewrites=(("z_k", "z"), ("z_j", "z")), sum_axis=0),
        lambda rng: {"z": _normal(rng, 4, 6, scale=3)},
        lambda i: activations.softmax(i["z"]),
    ),
    # Part 9: Backpropagation in a convolutional network
    Check(
        "eq-cce",
        LATEX["eq-cce"],
        "ddl.losses.categorical_cross_entropy",
        S(rewrites=((r"\hat{y}_k", "y_{h}"), ("y_k", "y")), sum_axis=0),
        _logits,
        lambda i: _per_example(losses.categorical_cross_entropy, i["z"], i["y"]),
    ),
    Check(
        "eq-cce-logits",
        LATEX["eq-cce-logits"],
        "ddl.losses.categorical_cross_entropy",
        Numpy(
            lambda i: (
                -np.sum(i["y"] * i["z"], axis=0, keepdims=True)
                + np.log(np.sum(np.exp(i["z"]), axis=0, keepdims=True))
            )
        ),
        _logits,
        lambda i: _per_example(losses.categorical_cross_entropy, i["z"], i["y"]),
    ),
    Check(
        "eq-softmax-backward",
        LATEX["eq-softmax-backward"],
        "ddl.activations.softmax_backward",
        Numpy(_softmax_backward_reference),
        _softmax_backward_inputs,
        lambda i: activations.softmax_backward(i["dY_hat"], i["Y_hat"]),
        note="the first side, with the K × K Jacobian formed for each example",
    ),
    Check(
        "eq-logsumexp",
        LATEX["eq-logsumexp"],
        "ddl.losses.logsumexp",
        Numpy(lambda i: np.log(np.sum(np.exp(i["z"]), axis=0, keepdims=True))),
        lambda rng: {"z": _normal(rng, 5, 7, scale=20)},
        lambda i: losses.logsumexp(i["z"]),
        note="the left side, computed directly on logits small enough not to overflow",
    ),
    Check(
        "eq-cce-gradient",
        LATEX["eq-cce-gradient"],
        "ddl.losses.categorical_cross_entropy_gradient",
        S(rewrites=((r"\hat{Y}", "Y_{h}"),)),
        _logits,
        lambda i: losses.categorical_cross_entropy_gradient(i["z"], i["Y"]),
    ),
    Check(
        "eq-maxpool-backward",
        LATEX["eq-maxpool-backward"],
        "ddl.pooling.MaxPool2D",
        Numpy(lambda i: _pool_backward_reference(i, _max_mask_share)),
        lambda rng: _with_dA(_pool_inputs(rng), rng),
        lambda i: _pool_backward(pooling.MaxPool2D, i),
    ),
    Check(
        "eq-avgpool-backward",
        LATEX["eq-avgpool-backward"],
        "ddl.pooling.AvgPool2D",
        Numpy(
            lambda i: _pool_backward_reference(
                i,
                lambda window, dA_hw: np.broadcast_to(
                    dA_hw[:, None, None, :] / i["f"] ** 2, window.shape
                ),
            )
        ),
        lambda rng: _with_dA(_pool_inputs(rng), rng),
        lambda i: _pool_backward(pooling.AvgPool2D, i),
    ),
    Check(
        "eq-conv-backward",
        LATEX["eq-conv-backward"],
        "ddl.conv.conv_backward",
        Numpy(_conv_backward_reference),
        lambda rng: _with_dZ(_conv_inputs(rng), rng),
        lambda i: conv.conv_backward(
            i["dZ"], conv.conv_forward(i["A"], i["W"], i["b"], i["s"], i["p"])[1]
        )[1:],
    ),
    Check(
        "eq-conv-backward-dx",
        LATEX["eq-conv-backward-dx"],
        "ddl.conv.conv_backward_dX_full",
        Numpy(_conv_dx_reference),
        lambda rng: _with_dZ({**_conv_inputs(rng), "s": 1, "p": 0}, rng),
        lambda i: conv.conv_backward_dX_full(i["dZ"], i["W"], i["A"].shape, 1, 0),
        note="stride 1, no padding, as the post writes it",
    ),
    # Part 10: Recurrent networks
    Check(
        "eq-rnn-step",
        LATEX["eq-rnn-step"],
        "ddl.recurrent.RNNCell",
        Numpy(lambda i: np.tanh(i["p"]["W_a"] @ np.concatenate([i["a"], i["x"]]) + i["p"]["b_a"])),
        lambda rng: _cell(recurrent.RNNCell, rng),
        lambda i: i["cell"].step_forward(i["x"], i["a"])[0],
    ),
    Check(
        "eq-rnn-step-backward",
        LATEX["eq-rnn-step-backward"],
        "ddl.recurrent.RNNCell.step_backward",
        Numpy(_rnn_step_backward_reference),
        lambda rng: _cell(recurrent.RNNCell, rng),
        _rnn_step_backward,
    ),
    Check(
        "eq-bptt",
        LATEX["eq-bptt"],
        "ddl.recurrent.Recurrent",
        Numpy(_bptt_reference),
        _sequence,
        _bptt,
        note="many-to-one: the only output is at the last step",
    ),
    Check(
        "eq-gradient-clipping",
        LATEX["eq-gradient-clipping"],
        "ddl.recurrent.clip_by_global_norm",
        Numpy(_clip_reference),
        _clip_inputs,
        _clip,
    ),
    Check(
        "eq-gru-step",
        LATEX["eq-gru-step"],
        "ddl.recurrent.GRUCell",
        Numpy(_gru_reference),
        lambda rng: _cell(recurrent.GRUCell, rng),
        lambda i: i["cell"].step_forward(i["x"], i["a"])[0],
    ),
    Check(
        "eq-gru-step-backward",
        LATEX["eq-gru-step-backward"],
        "ddl.recurrent.GRUCell.step_backward",
        Numpy(_gru_step_backward_reference),
        lambda rng: _cell(recurrent.GRUCell, rng),
        _gru_step_backward,
        note="the reset gate applied before the product, GRUCell's default",
    ),
    Check(
        "eq-lstm-step",
        LATEX["eq-lstm-step"],
        "ddl.recurrent.LSTMCell",
        Numpy(_lstm_reference),
        lambda rng: _cell(recurrent.LSTMCell, rng),
        lambda i: i["cell"].step_forward(i["x"], i["a"], i["c"])[:2],
    ),
    Check(
        "eq-lstm-step",
        LATEX["eq-lstm-step"],
        "ddl.graph.lstm_step_graph",
        Numpy(_lstm_reference),
        lambda rng: _cell(recurrent.LSTMCell, rng),
        _lstm_graph,
    ),
    # Part 11: Backpropagation through a computation graph
    Check(
        "eq-graph-accumulate",
        LATEX["eq-graph-accumulate"],
        "ddl.graph.Node.backward",
        Numpy(
            lambda i: [
                i["v_bar"] * i["u"][1] + i["v_bar"] * (1 - np.tanh(i["u"][0]) ** 2),
                i["v_bar"] * i["u"][0],
            ]
        ),
        lambda rng: _graph_inputs(rng, (3, 4), (3, 4), out=(3, 4)),
        lambda i: _graph_backward(i, lambda u, c: u * c + u.tanh()),
        note="u is used along two paths, u ⊙ c and tanh(u): its ū is the sum of both",
    ),
    Check(
        "eq-graph-add",
        LATEX["eq-graph-add"],
        "ddl.graph.Node.__add__",
        Numpy(lambda i: [i["v_bar"], i["v_bar"]]),
        lambda rng: _graph_inputs(rng, (3, 4), (3, 4), out=(3, 4)),
        lambda i: _graph_backward(i, lambda u1, u2: u1 + u2),
    ),
    Check(
        "eq-graph-broadcast",
        LATEX["eq-graph-broadcast"],
        "ddl.graph.unbroadcast",
        Numpy(lambda i: np.sum(i["v_bar"], axis=1, keepdims=True)),
        lambda rng: {"v_bar": _normal(rng, 3, 7)},
        lambda i: graph.unbroadcast(i["v_bar"], (3, 1)),
    ),
    Check(
        "eq-graph-mul",
        LATEX["eq-graph-mul"],
        "ddl.graph.Node.__mul__",
        Numpy(lambda i: [i["v_bar"] * i["u"][1], i["v_bar"] * i["u"][0]]),
        lambda rng: _graph_inputs(rng, (3, 4), (3, 4), out=(3, 4)),
        lambda i: _graph_backward(i, lambda u1, u2: u1 * u2),
    ),
    Check(
        "eq-graph-matmul",
        LATEX["eq-graph-matmul"],
        "ddl.graph.Node.__matmul__",
        Numpy(lambda i: [i["v_bar"] @ i["u"][1].T, i["u"][0].T @ i["v_bar"]]),
        lambda rng: _graph_inputs(rng, (3, 5), (5, 4), out=(3, 4)),
        lambda i: _graph_backward(i, lambda W, A: W @ A),
    ),
    Check(
        "eq-graph-tanh",
        LATEX["eq-graph-tanh"],
        "ddl.graph.Node.tanh",
        Numpy(lambda i: [i["v_bar"] * (1 - np.tanh(i["u"][0]) ** 2)]),
        lambda rng: _graph_inputs(rng, (3, 4), out=(3, 4)),
        lambda i: _graph_backward(i, lambda u: u.tanh()),
    ),
    Check(
        "eq-graph-sigmoid",
        LATEX["eq-graph-sigmoid"],
        "ddl.graph.Node.sigmoid",
        Numpy(lambda i: [i["v_bar"] * _sigma(i["u"][0]) * (1 - _sigma(i["u"][0]))]),
        lambda rng: _graph_inputs(rng, (3, 4), out=(3, 4)),
        lambda i: _graph_backward(i, lambda u: u.sigmoid()),
    ),
    Check(
        "eq-graph-sub",
        LATEX["eq-graph-sub"],
        "ddl.graph.Node.__sub__",
        Numpy(lambda i: [i["v_bar"], -i["v_bar"]]),
        lambda rng: _graph_inputs(rng, (3, 4), (3, 4), out=(3, 4)),
        lambda i: _graph_backward(i, lambda u1, u2: u1 - u2),
    ),
    Check(
        "eq-graph-sub",
        LATEX["eq-graph-sub"],
        "ddl.graph.Node.__neg__",
        Numpy(lambda i: [-i["v_bar"]]),
        lambda rng: _graph_inputs(rng, (3, 4), out=(3, 4)),
        lambda i: _graph_backward(i, lambda u: -u),
    ),
    Check(
        "eq-graph-div",
        LATEX["eq-graph-div"],
        "ddl.graph.Node.__truediv__",
        Numpy(
            lambda i: [
                i["v_bar"] / i["u"][1],
                -i["v_bar"] * (i["u"][0] / i["u"][1]) / i["u"][1],
            ]
        ),
        lambda rng: {**_graph_inputs(rng, (3, 4), out=(3, 4)), "u": _positive_pair(rng, (3, 4))},
        lambda i: _graph_backward(i, lambda u1, u2: u1 / u2),
        note="the denominator is drawn away from 0",
    ),
    Check(
        "eq-graph-pow",
        LATEX["eq-graph-pow"],
        "ddl.graph.Node.__pow__",
        Numpy(lambda i: [i["r"] * i["v_bar"] * i["u"][0] ** (i["r"] - 1)]),
        lambda rng: {
            "u": [0.5 + rng.random((3, 4))],
            "r": float(rng.uniform(-2.0, 3.0)),
            "v_bar": _normal(rng, 3, 4),
        },
        lambda i: _graph_backward(i, lambda u: u ** i["r"]),
        note="a positive base, so that any real exponent r is defined",
    ),
    Check(
        "eq-graph-relu",
        LATEX["eq-graph-relu"],
        "ddl.graph.Node.relu",
        Numpy(lambda i: [i["v_bar"] * (i["u"][0] > 0)]),
        lambda rng: _graph_inputs(rng, (3, 4), out=(3, 4)),
        lambda i: _graph_backward(i, lambda u: u.relu()),
    ),
    Check(
        "eq-graph-exp",
        LATEX["eq-graph-exp"],
        "ddl.graph.Node.exp",
        Numpy(lambda i: [i["v_bar"] * np.exp(i["u"][0])]),
        lambda rng: _graph_inputs(rng, (3, 4), out=(3, 4)),
        lambda i: _graph_backward(i, lambda u: u.exp()),
    ),
    Check(
        "eq-graph-log",
        LATEX["eq-graph-log"],
        "ddl.graph.Node.log",
        Numpy(lambda i: [i["v_bar"] / i["u"][0]]),
        lambda rng: {"u": [0.1 + rng.random((3, 4))], "v_bar": _normal(rng, 3, 4)},
        lambda i: _graph_backward(i, lambda u: u.log()),
    ),
    Check(
        "eq-graph-sum",
        LATEX["eq-graph-sum"],
        "ddl.graph.Node.sum",
        Numpy(lambda i: [np.repeat(i["v_bar"][:, np.newaxis], 4, axis=1)]),
        lambda rng: _graph_inputs(rng, (3, 4), out=(3,)),
        lambda i: _graph_backward(i, lambda u: u.sum(axis=1)),
        note="v_j sums row j of a 3 × 4 matrix",
    ),
    Check(
        "eq-graph-mean",
        LATEX["eq-graph-mean"],
        "ddl.graph.Node.mean",
        Numpy(lambda i: [np.repeat(i["v_bar"][:, np.newaxis], 4, axis=1) / 4]),
        lambda rng: _graph_inputs(rng, (3, 4), out=(3,)),
        lambda i: _graph_backward(i, lambda u: u.mean(axis=1)),
        note="v_j averages row j of a 3 × 4 matrix (n = 4)",
    ),
    Check(
        "eq-graph-logsumexp",
        LATEX["eq-graph-logsumexp"],
        "ddl.graph.Node.logsumexp",
        Numpy(
            lambda i: [i["v_bar"] * np.exp(i["u"][0] - np.log(np.sum(np.exp(i["u"][0]), axis=0)))]
        ),
        lambda rng: _graph_inputs(rng, (3, 4), out=(4,)),
        lambda i: _graph_backward(i, lambda u: u.logsumexp(axis=0)),
        note="one log-sum-exp per column, over its 3 entries u_k",
    ),
    Check(
        "eq-graph-reshape",
        LATEX["eq-graph-reshape"],
        "ddl.graph.Node.transpose",
        Numpy(lambda i: [np.array([[i["v_bar"][c, r] for c in range(4)] for r in range(3)])]),
        lambda rng: _graph_inputs(rng, (3, 4), out=(4, 3)),
        lambda i: _graph_backward(i, lambda u: u.T),
        note="entry (r, c) of ū is entry (c, r) of v̄",
    ),
    Check(
        "eq-graph-reshape",
        LATEX["eq-graph-reshape"],
        "ddl.graph.Node.reshape",
        Numpy(lambda i: [np.reshape(i["v_bar"], (3, 4))]),
        lambda rng: _graph_inputs(rng, (3, 4), out=(2, 6)),
        lambda i: _graph_backward(i, lambda u: u.reshape(2, 6)),
    ),
    Check(
        "eq-lstm-step-backward",
        LATEX["eq-lstm-step-backward"],
        "ddl.recurrent.LSTMCell.step_backward",
        Numpy(_lstm_step_backward_reference),
        lambda rng: _cell(recurrent.LSTMCell, rng),
        _lstm_step_backward,
    ),
]

NOT_IN_PACKAGE = [
    NotInPackage(
        "eq-backprop-dw-entry",
        "one entry of eq-backprop-dw, a step of its derivation; "
        "the package computes the matrix form",
    ),
    NotInPackage(
        "eq-backprop-dyhat",
        "a derivation step: the package differentiates the loss "
        "with respect to the logits (eq-bce-gradient), never ŷ",
    ),
    NotInPackage(
        "eq-init-variance",
        "a property of random weights at initialisation, the reason for eq-init-xavier "
        "and eq-init-he; no function computes it",
    ),
    NotInPackage(
        "eq-backprop-variance",
        "a property of the backward pass at initialisation (the backward twin of "
        "eq-init-variance); Part 5 measures it layer by layer, no function computes it",
    ),
    NotInPackage("eq-parameter-counts", "a count the post works out by hand"),
    NotInPackage("eq-softmax-two-classes", "a property relating eq-softmax and eq-sigmoid"),
    NotInPackage(
        "eq-weight-decay",
        "eq-l2-gradient followed by eq-gd-update, rearranged; no function computes it in this form",
    ),
    NotInPackage(
        "eq-dropout-expectation", "a property of eq-dropout (its expectation), not a computation"
    ),
    NotInPackage(
        "eq-rnn-gradient-product",
        "an analysis of vanishing and exploding gradients; "
        "the package computes the product step by step (eq-bptt)",
    ),
    NotInPackage("eq-lstm-cell-gradient", "an analysis of the gradient along the cell state"),
    NotInPackage("eq-logsumexp-derivative", "a derivation step towards eq-cce-gradient"),
    NotInPackage(
        "eq-conv-backward-sum",
        "the sum eq-conv-backward-dx rewrites as a full "
        "convolution; the package computes that form",
    ),
    NotInPackage(
        "eq-minibatch-gradient",
        "a definition: the training loop feeds each "
        "mini-batch to the network, whose gradients are means over the batch",
    ),
    NotInPackage(
        "eq-ewa",
        "the exponentially weighted average that eq-momentum, eq-rmsprop "
        "and eq-adam apply to gradients",
    ),
]
