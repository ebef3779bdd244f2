"""Part 4's lead image: a small feed-forward network, each connection drawn with its
He-initialised weight."""

import numpy as np

from ddl.network import feed_forward
from ddl_site.art import network_axes


def draw():
    sizes = [4, 6, 6, 3, 1]
    network = feed_forward(sizes, np.random.default_rng(4))
    fig, ax, ys = network_axes(sizes)
    for l, layer in enumerate(network.layers):
        W = layer.params["W"]  # (n_out, n_in): W[j, k] joins unit k of layer l to unit j of l+1
        scale = np.abs(W).max()
        for j in range(W.shape[0]):
            for k in range(W.shape[1]):
                colour = "#ffb000" if W[j, k] > 0 else "#4fc3f7"
                ax.plot(
                    [l, l + 1],
                    [ys[l][k], ys[l + 1][j]],
                    color=colour,
                    linewidth=0.4 + 2.6 * abs(W[j, k]) / scale,
                    alpha=0.85,
                    zorder=1,
                )
    for l, n in enumerate(sizes):
        face = "#e8eef7" if l in (0, len(sizes) - 1) else "#0f1b2d"
        ax.scatter(
            np.full(n, l), ys[l], s=420, facecolor=face, edgecolor="white", linewidth=1.8, zorder=2
        )
        label = "$A^{[0]} = X$" if l == 0 else f"$A^{{[{l}]}}$"
        ax.text(l, -0.55, label, color="white", ha="center", va="center", fontsize=13)
    return fig
