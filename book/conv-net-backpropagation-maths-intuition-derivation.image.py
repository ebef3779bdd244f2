"""Part 9's lead image: the input gradient of a convolution as a full convolution with the
flipped filter.

Padded dZ, the 180°-rotated filter, and dX from ddl.conv.conv_backward_dX_full.
"""

import numpy as np

from ddl.conv import conv_backward_dX_full
from ddl_site.art import figure


def draw():
    rng = np.random.default_rng(9)
    W = rng.integers(-2, 3, size=(1, 1, 3, 3)).astype(float)
    dZ = rng.integers(-2, 3, size=(1, 3, 3, 1)).astype(float)
    dX = conv_backward_dX_full(dZ, W, (1, 5, 5, 1))
    # In the post's order: the rotated filter ∗ the padded dZ = dX (eq-conv-backward-dx).
    panels = [
        (W[0, 0, ::-1, ::-1], "rot180(W)", 0.03, 0.36 / 2.2),
        (np.pad(dZ[0, :, :, 0], 2), "dZ, padded by f − 1", 0.25, 0.80 / 2.2),
        (dX[0, :, :, 0], "dX", 0.69, 0.58 / 2.2),
    ]
    fig = figure()
    for image, title, left, width in panels:
        n = image.shape[0]
        ax = fig.add_axes((left, 0.5 - width * 8 / 4.2 / 2 + 0.02, width, width * 8 / 4.2))
        limit = 1.6 * max(np.abs(image).max(), 1)
        ax.imshow(image, cmap="RdBu_r", vmin=-limit, vmax=limit)
        for i in range(n):
            for j in range(n):
                ax.text(
                    j,
                    i,
                    f"{image[i, j]:.0f}".replace("-", "\u2212"),  # a real minus sign
                    ha="center",
                    va="center",
                    fontsize=11,
                    color="black",
                )
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(title, color="white", fontsize=13)
    fig.text(0.22, 0.5, "∗", color="white", fontsize=36, ha="center", va="center")
    fig.text(0.66, 0.5, "=", color="white", fontsize=30, ha="center", va="center")
    return fig
