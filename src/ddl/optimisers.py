"""Optimisers (Part 6: Optimising Learning).

Every optimiser has one method, ``step(params, grads) -> None``: given the
list of parameter arrays and the matching list of gradients (as returned by
``Network.parameters()`` and ``Network.gradients()``), it updates each
parameter **in place**.  Optimisers with memory (velocities, squared-gradient
averages) keep it per parameter *position* in those lists, so pass the lists
in the same order at every step.  ``learning_rate`` is a float or a schedule
from :mod:`ddl.schedules`, evaluated at the step count ``t`` (0 at the first
step).

Batch, mini-batch and stochastic gradient descent are all
:class:`GradientDescent`; they differ only in the batch size the training loop
feeds it (everything, a few dozen examples, one example).

Update equations, with g = ∂J/∂θ and α the learning rate:

* GradientDescent  θ ← θ − α g                                      (eq-gd-update)
* Momentum         v ← β v + (1 − β) g;  θ ← θ − α v                (eq-momentum)
* Nesterov         v ← β v + (1 − β) g;  θ ← θ − α (β v + (1 − β) g) (eq-nesterov)
* AdaGrad          G ← G + g²;  θ ← θ − α g / (√G + ε)              (eq-adagrad)
* RMSProp          s ← β s + (1 − β) g²;  θ ← θ − α g / (√s + ε)    (eq-rmsprop)
* Adam             m ← β₁ m + (1 − β₁) g;  v ← β₂ v + (1 − β₂) g²;
                   m̂ = m / (1 − β₁ᵗ);  v̂ = v / (1 − β₂ᵗ)  (t counted from 1);
                   θ ← θ − α m̂ / (√v̂ + ε)                         (eq-adam)

Nesterov's "look ahead" is written in the form that needs only the gradient
at the current parameters: the step applies the velocity the *next* update
would have, β v_new + (1 − β) g.
"""

from __future__ import annotations

import numpy as np

from .schedules import as_schedule

__all__ = ["AdaGrad", "Adam", "GradientDescent", "Momentum", "Nesterov", "Optimiser", "RMSProp"]


def _check_fraction(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 1:
        raise ValueError(f"{name}: expected a number in [0, 1), got {value!r}.")


def _check_epsilon(epsilon):
    if isinstance(epsilon, bool) or not isinstance(epsilon, (int, float)) or not epsilon > 0:
        raise ValueError(f"epsilon: expected a positive number, got {epsilon!r}.")


class Optimiser:
    """Shared machinery: the step counter, the learning rate, per-position state."""

    def __init__(self, learning_rate):
        self.learning_rate = as_schedule(learning_rate)
        self.t = 0
        self.state: list[dict[str, np.ndarray]] | None = None

    def __repr__(self):
        return f"{type(self).__name__}(learning_rate={self.learning_rate!r})"

    def _init_state(self, theta):
        """The memory this optimiser keeps for one parameter (none by default)."""
        return {}

    def _update(self, theta, g, state, alpha):
        raise NotImplementedError

    def step(self, params, grads):
        """Update every array of ``params`` in place from the matching ``grads``."""
        if len(params) != len(grads):
            raise ValueError(
                f"grads: expected one gradient per parameter ({len(params)}), got {len(grads)}."
            )
        if self.state is None:
            self.state = [self._init_state(theta) for theta in params]
        elif len(self.state) != len(params):
            raise ValueError(
                f"params: expected the same {len(self.state)} parameters as at the first step, "
                f"got {len(params)}."
            )
        alpha = float(self.learning_rate(self.t))
        for i, (theta, g) in enumerate(zip(params, grads)):
            if theta.shape != g.shape:
                raise ValueError(
                    f"grads[{i}]: expected shape {theta.shape} (of params[{i}]), got {g.shape}."
                )
            # Gradients shrinking below the smallest normal float is convergence,
            # not an error: let them round to zero quietly.
            with np.errstate(under="ignore"):
                self._update(theta, g, self.state[i], alpha)
        self.t += 1


class GradientDescent(Optimiser):
    """θ ← θ − α g.  Implements :eq:`eq-gd-update`."""

    def _update(self, theta, g, state, alpha):
        theta -= alpha * g


class Momentum(Optimiser):
    """Gradient descent on an exponential average of past gradients.

    Implements :eq:`eq-momentum`: v ← β v + (1 − β) g; θ ← θ − α v.
    """

    def __init__(self, learning_rate, beta=0.9):
        super().__init__(learning_rate)
        _check_fraction("beta", beta)
        self.beta = beta

    def _init_state(self, theta):
        return {"v": np.zeros_like(theta)}

    def _update(self, theta, g, state, alpha):
        v = state["v"]
        v *= self.beta
        v += (1 - self.beta) * g
        theta -= alpha * v


class Nesterov(Momentum):
    """Nesterov accelerated gradient, in look-ahead form.

    Implements :eq:`eq-nesterov`: v ← β v + (1 − β) g;
    θ ← θ − α (β v + (1 − β) g).
    """

    def _update(self, theta, g, state, alpha):
        v = state["v"]
        v *= self.beta
        v += (1 - self.beta) * g
        theta -= alpha * (self.beta * v + (1 - self.beta) * g)


class AdaGrad(Optimiser):
    """Per-parameter step sizes shrinking with the sum of squared gradients.

    Implements :eq:`eq-adagrad`: G ← G + g²; θ ← θ − α g / (√G + ε).
    """

    def __init__(self, learning_rate, epsilon=1e-8):
        super().__init__(learning_rate)
        _check_epsilon(epsilon)
        self.epsilon = epsilon

    def _init_state(self, theta):
        return {"G": np.zeros_like(theta)}

    def _update(self, theta, g, state, alpha):
        G = state["G"]
        G += g * g
        theta -= alpha * g / (np.sqrt(G) + self.epsilon)


class RMSProp(Optimiser):
    """AdaGrad with an exponential average instead of a sum.

    Implements :eq:`eq-rmsprop`: s ← β s + (1 − β) g²; θ ← θ − α g / (√s + ε).
    """

    def __init__(self, learning_rate, beta=0.9, epsilon=1e-8):
        super().__init__(learning_rate)
        _check_fraction("beta", beta)
        _check_epsilon(epsilon)
        self.beta, self.epsilon = beta, epsilon

    def _init_state(self, theta):
        return {"s": np.zeros_like(theta)}

    def _update(self, theta, g, state, alpha):
        s = state["s"]
        s *= self.beta
        s += (1 - self.beta) * g * g
        theta -= alpha * g / (np.sqrt(s) + self.epsilon)


class Adam(Optimiser):
    """Momentum and RMSProp together, with bias correction.

    Implements :eq:`eq-adam` (β₁ = 0.9, β₂ = 0.999, ε = 1e-8 by default).
    """

    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8):
        super().__init__(learning_rate)
        _check_fraction("beta1", beta1)
        _check_fraction("beta2", beta2)
        _check_epsilon(epsilon)
        self.beta1, self.beta2, self.epsilon = beta1, beta2, epsilon

    def _init_state(self, theta):
        return {"m": np.zeros_like(theta), "v": np.zeros_like(theta)}

    def _update(self, theta, g, state, alpha):
        m, v = state["m"], state["v"]
        t = self.t + 1  # bias correction counts steps from 1
        m *= self.beta1
        m += (1 - self.beta1) * g
        v *= self.beta2
        v += (1 - self.beta2) * g * g
        m_hat = m / (1 - self.beta1**t)
        v_hat = v / (1 - self.beta2**t)
        # θ ← θ − α m̂ / (√v̂ + ε), reusing v̂'s memory for the step.
        step = np.sqrt(v_hat, out=v_hat)
        step += self.epsilon
        np.divide(m_hat, step, out=step)
        step *= alpha
        theta -= step
