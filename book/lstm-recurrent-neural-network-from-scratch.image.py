"""Part 10's lead image: a recurrent network unrolled over time, each box showing its hidden
state a⟨t⟩."""

import matplotlib
import numpy as np
from matplotlib.patches import FancyArrowPatch, Rectangle

from ddl.recurrent import Recurrent, RNNCell
from ddl_site.art import figure


def draw():
    T, n_a = 9, 8
    rng = np.random.default_rng(10)
    cell = RNNCell(1, n_a, rng)
    cell.params["W_a"] *= 2.0  # livelier states than the small default initialisation
    t = np.arange(T)
    # one sequence: a sine wave, one value a step
    X = np.sin(2 * np.pi * (t + 1) / T).reshape(T, 1, 1)
    A = Recurrent(cell, return_sequences=True).forward(X)[:, :, 0]  # (T, n_a)

    fig = figure()
    ax = fig.add_axes((0.02, 0.02, 0.96, 0.96))
    ax.set_axis_off()
    ax.set_xlim(-0.8, T - 0.2)
    ax.set_ylim(-1.9, 2.3)
    cmap = matplotlib.colormaps["coolwarm"]
    h = 1.6 / n_a
    for step in range(T):
        # the hidden state a⟨t⟩ as a column of coloured cells, one per unit
        for j in range(n_a):
            ax.add_patch(
                Rectangle(
                    (step - 0.22, 0.6 - 0.8 + j * h),
                    0.44,
                    h,
                    facecolor=cmap((A[step, j] + 1) / 2),
                    edgecolor="#0f1b2d",
                    lw=0.6,
                )
            )
        ax.add_patch(
            Rectangle((step - 0.22, -0.2), 0.44, 1.6, fill=False, edgecolor="white", lw=1.5)
        )
        # the input x⟨t⟩ below, and the arrow into the cell
        ax.scatter([step], [-1.2 + 0.45 * X[step, 0, 0]], s=90, color="#ffb000", zorder=3)
        ax.add_patch(
            FancyArrowPatch(
                (step, -0.7),
                (step, -0.25),
                arrowstyle="-|>",
                mutation_scale=12,
                color="#ffb000",
                lw=1.2,
            )
        )
        # the same weights carry a⟨t−1⟩ into the next step
        if step < T - 1:
            ax.add_patch(
                FancyArrowPatch(
                    (step + 0.24, 0.6),
                    (step + 0.76, 0.6),
                    arrowstyle="-|>",
                    mutation_scale=14,
                    color="white",
                    lw=1.6,
                )
            )
        ax.text(
            step,
            1.6,
            rf"$a^{{\langle {step + 1} \rangle}}$",
            color="white",
            ha="center",
            fontsize=13,
        )
    ax.plot(t, -1.2 + 0.45 * X[:, 0, 0], color="#ffb000", lw=1, alpha=0.5)
    ax.text(
        T / 2 - 0.5,
        2.0,
        r"$a^{\langle t \rangle} = \tanh(W_a[a^{\langle t-1 \rangle}, x^{\langle t \rangle}] + b_a)$",
        color="white",
        ha="center",
        fontsize=17,
    )
    return fig
