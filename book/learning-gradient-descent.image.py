"""Part 3's lead image: the cross-entropy of logistic regression over two weights, and
gradient descent's path across it, both computed with the package (``ddl.linear``)."""

import numpy as np

from ddl.data import Standardiser, load_binary
from ddl.linear import gradients, logistic_cost, logistic_forward
from ddl_site.art import figure


def draw():
    X, Y = load_binary()
    X = Standardiser().fit_transform(X[[0, 1]])  # mean radius and mean texture
    b = np.zeros((1, 1))
    w1, w2 = np.meshgrid(np.linspace(-1, 7, 120), np.linspace(-3, 5, 90))
    J = np.array(
        [
            [logistic_cost(np.array([[a, c]]), b, X, Y) for a, c in zip(r1, r2)]
            for r1, r2 in zip(w1, w2)
        ]
    )
    W = np.array([[-0.5, 4.5]])
    path = [W.ravel().copy()]
    for _ in range(150):
        dW, _ = gradients(logistic_forward(W, b, X), Y, X)
        W = W - 2.0 * dW
        path.append(W.ravel().copy())
    path = np.array(path)

    fig = figure()
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    ax.contourf(w1, w2, np.log(J), levels=30, cmap="magma", alpha=0.95)
    ax.contour(w1, w2, np.log(J), levels=30, colors="white", linewidths=0.3, alpha=0.35)
    ax.plot(path[:, 0], path[:, 1], "-o", color="#4fc3f7", markersize=4, linewidth=1.8)
    ax.text(
        0.5,
        0.8,
        r"$\frac{\partial J}{\partial W} = \frac{1}{m}(\hat{Y} - Y)X^{\top}$",
        transform=ax.transAxes,
        fontsize=26,
        color="white",
    )
    return fig
