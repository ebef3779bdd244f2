"""Part 0's lead image: gradient descent finding its way down a loss surface, with its update
rule."""

import numpy as np

from ddl_site.art import figure


def draw():
    fig = figure()
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    w1, w2 = np.meshgrid(np.linspace(-3, 3, 300), np.linspace(-2, 2, 200))
    # A stretched quadratic bowl with a gentle ripple: the shape of a loss surface.
    J = 0.5 * (w1**2 + 6 * w2**2) + 0.3 * np.sin(2 * w1) * np.cos(2 * w2)
    ax.contourf(w1, w2, J, levels=30, cmap="viridis", alpha=0.9)
    ax.contour(w1, w2, J, levels=30, colors="white", linewidths=0.3, alpha=0.4)
    # Gradient descent from a corner, using the surface's exact gradient.
    w = np.array([-2.7, 1.7])
    path = [w.copy()]
    for _ in range(40):
        g = np.array(
            [
                w[0] + 0.6 * np.cos(2 * w[0]) * np.cos(2 * w[1]),
                6 * w[1] - 0.6 * np.sin(2 * w[0]) * np.sin(2 * w[1]),
            ]
        )
        w = w - 0.12 * g
        path.append(w.copy())
    path = np.array(path)
    ax.plot(path[:, 0], path[:, 1], "-o", color="#ffb000", markersize=3, linewidth=1.5)
    ax.text(
        0.52,
        0.08,
        r"$W \leftarrow W - \alpha\,\frac{\partial J}{\partial W}$",
        transform=ax.transAxes,
        fontsize=26,
        color="white",
    )
    ax.set_xlim(-3, 3)
    ax.set_ylim(-2, 2)
    return fig
