"""A small convolutional network (Parts 8 and 9), assembled from the package's layers.

The architecture follows the one Part 8 builds, scaled to 8×8 images:

    (conv 3×3 → ReLU) ×2 → max-pool 2×2 → (conv 3×3 → ReLU) ×2 → max-pool 2×2
    → flatten → dense → ReLU → dense (logits) → softmax with cross-entropy

The network is an ordinary :class:`ddl.network.Network`, so the losses,
optimisers and training loop of the package train it unchanged.  It takes
the same ``(C·H·W, m)`` design matrix as a dense network (an
:class:`~ddl.pooling.Unflatten` layer turns it into images ``(C, H, W, m)``),
so ``load_multiclass`` and ``train_val_test_split`` feed it directly; the
softmax and cross-entropy live in
:class:`ddl.losses.CategoricalCrossEntropy`, whose gradient is ``Ŷ − Y``.
"""

from __future__ import annotations

import numpy as np

from .conv import Conv2D
from .layers import Dense
from .network import Network
from .pooling import Flatten, MaxPool2D, Unflatten

__all__ = ["small_cnn"]


def small_cnn(
    rng: np.random.Generator,
    image_shape: tuple = (1, 8, 8),
    n_classes: int = 10,
    channels: tuple = (8, 8, 16, 16),
    n_hidden: int = 64,
    *,
    dtype=np.float64,
) -> Network:
    """The CNN above, for images of ``image_shape`` ``(C, H, W)``, as a :class:`Network`.

    ``channels`` gives the number of filters of the four convolutions (two
    before each pooling); the 3×3 convolutions are padded by 1, so only the
    pooling layers shrink the image.  The network outputs logits ``(n_classes, m)``.
    """
    if len(channels) != 4:
        raise ValueError(f"channels: expected four numbers of filters, got {channels!r}.")
    C, H, W = image_shape
    layers = [Unflatten(image_shape)]
    shape = (C, H, W)
    for block in range(2):
        for k in channels[2 * block : 2 * block + 2]:
            conv = Conv2D(shape[0], k, 3, 1, 1, rng, activation="relu", dtype=dtype)
            layers.append(conv)
            shape = conv.output_shape(shape)
        pool = MaxPool2D(2)
        layers.append(pool)
        shape = pool.output_shape(shape)
    layers.append(Flatten())
    n_flat = int(np.prod(shape))
    layers.append(Dense(n_flat, n_hidden, "relu", "he", rng, dtype=dtype))
    layers.append(Dense(n_hidden, n_classes, "identity", "xavier", rng, dtype=dtype))
    return Network(layers)
