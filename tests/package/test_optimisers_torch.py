"""Every optimiser against its torch.optim counterpart, 50 steps on the same problem.

The problem is softmax regression (a weight matrix and a bias column) on fixed
random data; its gradient is taken by torch autograd for both trajectories, so
only the update rules are compared.  ddl writes momentum as an exponential
average, v ← β v + (1 − β) g with θ ← θ − α v, where torch.optim.SGD keeps the
plain sum b ← β b + g (b = g at the first step) with θ ← θ − lr b.  Then
v = (1 − β) b at every step, so ddl's Momentum(α, β) is SGD(lr=α(1 − β),
momentum=β), and its Nesterov is the same with nesterov=True.  RMSProp, AdaGrad
and Adam put ε outside the square root as torch does; a large ε (0.1) makes the
placement matter, and Adam's bias correction counts steps from 1 as torch's does.
"""

import numpy as np
import pytest
import torch

from ddl import optimisers as opt

STEPS = 50


def counterparts(alpha, beta, eps):
    return {
        "GradientDescent": (
            lambda: opt.GradientDescent(alpha),
            lambda p: torch.optim.SGD(p, lr=alpha),
        ),
        "Momentum": (
            lambda: opt.Momentum(alpha, beta=beta),
            lambda p: torch.optim.SGD(p, lr=alpha * (1 - beta), momentum=beta),
        ),
        "Nesterov": (
            lambda: opt.Nesterov(alpha, beta=beta),
            lambda p: torch.optim.SGD(p, lr=alpha * (1 - beta), momentum=beta, nesterov=True),
        ),
        "AdaGrad": (
            lambda: opt.AdaGrad(alpha, epsilon=eps),
            lambda p: torch.optim.Adagrad(p, lr=alpha, eps=eps),
        ),
        "RMSProp": (
            lambda: opt.RMSProp(alpha, beta=beta, epsilon=eps),
            lambda p: torch.optim.RMSprop(p, lr=alpha, alpha=beta, eps=eps),
        ),
        "Adam": (
            lambda: opt.Adam(alpha, beta1=beta, beta2=0.99, epsilon=eps),
            lambda p: torch.optim.Adam(p, lr=alpha, betas=(beta, 0.99), eps=eps),
        ),
    }


def test_every_optimiser_of_the_package_has_a_counterpart():
    public = {name for name in opt.__all__ if name != "Optimiser"}
    assert public == set(counterparts(0.1, 0.9, 1e-8))


def make_problem():
    rng = np.random.default_rng(7)
    X = torch.from_numpy(rng.standard_normal((4, 30)))
    Y = torch.from_numpy(np.eye(3)[:, rng.integers(0, 3, 30)])
    theta0 = [rng.standard_normal((3, 4)), 0.5 * rng.standard_normal((3, 1))]

    def cost(W, b):
        return -(Y * torch.log_softmax(W @ X + b, dim=0)).sum() / X.shape[1]

    return theta0, cost


@pytest.mark.parametrize("eps", [1e-8, 0.1])
@pytest.mark.parametrize("beta", [0.9, 0.5])
@pytest.mark.parametrize(
    "name", ["GradientDescent", "Momentum", "Nesterov", "AdaGrad", "RMSProp", "Adam"]
)
def test_fifty_steps_match_torch_optim(name, beta, eps):
    make_ddl, make_torch = counterparts(0.05, beta, eps)[name]
    theta0, cost = make_problem()

    ddl_params = [p.copy() for p in theta0]
    ddl_optimiser = make_ddl()
    torch_params = [torch.tensor(p, requires_grad=True) for p in theta0]
    torch_optimiser = make_torch(torch_params)
    for step in range(STEPS):
        # ddl: the gradient at ddl's own parameters, by autograd.
        T = [torch.tensor(p, requires_grad=True) for p in ddl_params]
        cost(*T).backward()
        ddl_optimiser.step(ddl_params, [t.grad.numpy().copy() for t in T])
        # torch.optim on its own copy.
        torch_optimiser.zero_grad()
        cost(*torch_params).backward()
        torch_optimiser.step()
        for p, t in zip(ddl_params, torch_params):
            np.testing.assert_allclose(
                p, t.detach().numpy(), rtol=1e-10, atol=1e-12, err_msg=f"step {step}"
            )
    # The parameters moved a long way from the start, so the agreement is not trivial.
    assert np.linalg.norm(ddl_params[0] - theta0[0]) > 0.1
