"""Part 5's lead image: a network after one backward pass, each connection as thick as its
gradient."""

import numpy as np

from ddl.losses import BinaryCrossEntropy
from ddl.network import feed_forward
from ddl_site.art import network_axes


def draw():
    rng = np.random.default_rng(5)
    sizes = [4, 6, 6, 3, 1]
    network = feed_forward(sizes, rng, hidden_activation="tanh")
    X = rng.standard_normal((sizes[0], 32))
    Y = (X[:1] * X[1:2] > 0).astype(float)
    loss = BinaryCrossEntropy()
    Z = network.forward(X)
    network.backward(loss.gradient(Z, Y))

    fig, ax, ys = network_axes(sizes)
    for l, layer in enumerate(network.layers):
        dW = layer.grads["W"]
        scale = np.abs(dW).max()
        for j in range(dW.shape[0]):
            for k in range(dW.shape[1]):
                strength = abs(dW[j, k]) / scale
                ax.plot(
                    [l, l + 1],
                    [ys[l][k], ys[l + 1][j]],
                    color="#ff6f61",
                    linewidth=0.3 + 3.2 * strength,
                    alpha=0.25 + 0.7 * strength,
                    zorder=1,
                )
    for l, n in enumerate(sizes):
        ax.scatter(
            np.full(n, l),
            ys[l],
            s=420,
            facecolor="#0f1b2d",
            edgecolor="white",
            linewidth=1.8,
            zorder=2,
        )
    # The backward sweep, from the output towards the input.
    for l in range(len(sizes) - 1, 0, -1):
        ax.annotate(
            "",
            xy=(l - 0.75, -0.45),
            xytext=(l - 0.3, -0.45),
            arrowprops={"arrowstyle": "-|>", "color": "#ffb000", "linewidth": 2},
        )
        ax.text(l, -0.45, f"$dZ^{{[{l}]}}$", color="white", ha="center", va="center", fontsize=12)
    return fig
