"""Part 6's lead image: gradient descent, momentum and Adam from ddl.optimisers racing down a
long valley."""

import numpy as np

from ddl.optimisers import Adam, GradientDescent, Momentum
from ddl_site.art import figure


def draw():
    angle = np.deg2rad(25)
    R = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    H = R @ np.diag([0.2, 10.0]) @ R.T  # J(w) = ½ wᵀ H w, a long, narrow, tilted valley

    fig = figure()
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    w1, w2 = np.meshgrid(np.linspace(-4.6, 1.6, 300), np.linspace(-2.2, 2.2, 200))
    J = 0.5 * (H[0, 0] * w1**2 + 2 * H[0, 1] * w1 * w2 + H[1, 1] * w2**2)
    ax.contourf(
        w1, w2, J, levels=np.geomspace(0.005, 60, 25), cmap="viridis", alpha=0.9, extend="both"
    )
    optimisers = {
        "#ff6f61": GradientDescent(0.19),
        "#ffb000": Momentum(0.3, 0.9),
        "white": Adam(0.3),
    }
    for colour, optimiser in optimisers.items():
        w = np.array([-4.0, 1.5])
        path = [w.copy()]
        for _ in range(50):
            optimiser.step([w], [H @ w])
            path.append(w.copy())
        path = np.array(path)
        ax.plot(path[:, 0], path[:, 1], "-o", color=colour, markersize=2.5, linewidth=1.6)
    ax.set_xlim(-4.6, 1.6)
    ax.set_ylim(-2.2, 2.2)
    return fig
