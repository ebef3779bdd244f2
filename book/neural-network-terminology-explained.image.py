"""Part 1's lead image: a small network [4, 6, 6, 1], drawn from one forward pass of the
package's layers.

Edge colour and width are the sign and size of each weight; a node's brightness is its
activation for one breast-cancer example, so the picture is a real network at work.
"""

from itertools import pairwise

import numpy as np

from ddl.data import Standardiser, load_binary
from ddl.layers import Dense
from ddl_site.art import network_axes


def draw():
    rng = np.random.default_rng(1)
    sizes = [4, 6, 6, 1]
    layers = [
        Dense(n_in, n_out, activation="tanh" if i < 2 else "sigmoid", initialiser="xavier", rng=rng)
        for i, (n_in, n_out) in enumerate(pairwise(sizes))
    ]
    X, _ = load_binary()
    x = Standardiser().fit_transform(X[:4])[:, :1]  # four features of the first example
    activations = [x]
    for layer in layers:
        activations.append(layer.forward(activations[-1], training=False))

    fig, ax, ys = network_axes(sizes, rect=(0, 0, 1, 1), left=0.6)
    for l, layer in enumerate(layers):
        W = layer.params["W"]
        scale = np.abs(W).max()
        for j in range(W.shape[0]):
            for k in range(W.shape[1]):
                ax.plot(
                    [l, l + 1],
                    [ys[l][k], ys[l + 1][j]],
                    color="#ffb000" if W[j, k] > 0 else "#4fc3f7",
                    linewidth=0.4 + 3.0 * abs(W[j, k]) / scale,
                    alpha=0.75,
                    zorder=1,
                )
    for l, A in enumerate(activations):
        brightness = np.tanh(np.abs(A[:, 0]))
        for k, value in enumerate(brightness):
            ax.scatter(
                [l],
                [ys[l][k]],
                s=900,
                zorder=2,
                edgecolors="white",
                linewidths=1.5,
                color=(0.15 + 0.85 * value, 0.2 + 0.6 * value, 0.35),
            )
    labels = ["X", "hidden", "hidden", r"$\hat{Y}$"]
    for l, label in enumerate(labels):
        ax.text(l, -0.45, label, ha="center", va="center", color="white", fontsize=16)
    return fig
