"""Part 8's lead image: a digit, two hand-made edge filters, and the feature maps they make.

An 8×8 digit convolved (ddl.conv) with vertical and horizontal edge filters, then max-pooled.
"""

import numpy as np

from ddl.conv import conv_forward
from ddl.data import load_multiclass
from ddl.pooling import MaxPool2D
from ddl_site.art import figure


def draw():
    X, y = load_multiclass()
    digit = X[:, [int(np.flatnonzero(y[0] == 3)[0])]].reshape(1, 8, 8, 1) / 16.0
    sobel = np.array([[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]])
    W = np.stack([sobel, sobel.T])[:, np.newaxis]  # (2 filters, 1 channel, 3, 3)
    Z, _ = conv_forward(digit, W, np.zeros((2, 1)), stride=1, padding=1)
    A = np.maximum(Z, 0)
    P = MaxPool2D(2).forward(A)

    fig = figure()
    panels = [(digit[0, :, :, 0], 0.03, 0.30, "gray_r", "input 8×8")]
    for k, name in enumerate(("vertical edges", "horizontal edges")):
        panels.append((W[k, 0], 0.30, 0.58 - 0.48 * k, "coolwarm", f"filter: {name}"))
        panels.append((A[k, :, :, 0], 0.50, 0.55 - 0.45 * k, "magma", "ReLU(feature map)"))
        panels.append((P[k, :, :, 0], 0.78, 0.62 - 0.45 * k, "magma", "max-pooled 4×4"))
    for image, left, bottom, cmap, title in panels:
        size = 0.36 if image.shape[0] == 8 else (0.2 if image.shape[0] == 4 else 0.16)
        ax = fig.add_axes((left, bottom, size * 4.2 / 8, size))
        ax.imshow(image, cmap=cmap)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(title, color="white", fontsize=11)
    fig.text(0.26, 0.47, "∗", color="white", fontsize=40, ha="center", va="center")
    fig.text(0.455, 0.47, "=", color="white", fontsize=30, ha="center", va="center")
    return fig
