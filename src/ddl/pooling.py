"""Pooling and flattening (Parts 8 and 9).

Pooling layers have no parameters; they summarise each ``f × f`` window of
each channel of ``A_prev`` ``(n_C, H, W, m)`` by its maximum or its mean.
Their ``params`` and ``grads`` are empty dicts so that they slot into a
:class:`ddl.network.Network` like any other layer.

Equation labels: ``eq-maxpool-forward``, ``eq-maxpool-backward``,
``eq-avgpool-forward``, ``eq-avgpool-backward``.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .conv import col2im, conv_output_size

__all__ = ["AvgPool2D", "Flatten", "MaxPool2D", "Unflatten"]


def _check_forward_ran(layer) -> None:
    if layer.cache is None:
        raise RuntimeError(f"{type(layer).__name__}.backward called before forward.")


class _Pool2D:
    def __init__(self, pool_size: int, stride: int | None = None):
        self.f = pool_size
        self.stride = pool_size if stride is None else stride
        for name, value in (("pool_size", self.f), ("stride", self.stride)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
                raise ValueError(
                    f"{name} must be an integer, got {value!r} ({type(value).__name__})"
                )
            if value < 1:
                raise ValueError(f"{name} must be >= 1, got {value}")
        self.params, self.grads = {}, {}
        self.cache = None

    def output_shape(self, input_shape: tuple) -> tuple:
        C, H, W = input_shape[:3]
        return (
            C,
            conv_output_size(H, self.f, 0, self.stride),
            conv_output_size(W, self.f, 0, self.stride),
        )

    def _windows(self, A_prev: np.ndarray) -> np.ndarray:
        """A view ``(C, n_H, n_W, m, f, f)`` of every pooling window (no copy)."""
        if A_prev.ndim != 4:
            raise ValueError(
                f"pooling expects A_prev of shape (channels, height, width, m), got shape {A_prev.shape}"
            )
        _, H, W, _ = A_prev.shape
        n_H = conv_output_size(H, self.f, 0, self.stride)
        n_W = conv_output_size(W, self.f, 0, self.stride)
        s = self.stride
        windows = sliding_window_view(A_prev, (self.f, self.f), axis=(1, 2))
        return windows[:, : (n_H - 1) * s + 1 : s, : (n_W - 1) * s + 1 : s]

    def _scatter(self, dwindows: np.ndarray, A_prev_shape: tuple) -> np.ndarray:
        """Send per-window gradients ``(C, n_H, n_W, m, f, f)`` back to the input's pixels."""
        return col2im(dwindows.transpose(0, 4, 5, 1, 2, 3), A_prev_shape, self.stride)


class MaxPool2D(_Pool2D):
    """Max pooling.

    Implements :eq:`eq-maxpool-forward` (``A = max`` over each window) and
    :eq:`eq-maxpool-backward`: the gradient flows only to the element that was
    the maximum of its window (the *max mask*); every other element had no
    influence on the output and gets zero.  If a window holds several equal
    maxima, the first one (in row-major order) takes the gradient.
    """

    def forward(self, A_prev: np.ndarray, training: bool = True) -> np.ndarray:
        windows = self._windows(A_prev)
        C, n_H, n_W, m, f, _ = windows.shape
        flat = windows.reshape(C, n_H, n_W, m, f * f)
        argmax = flat.argmax(axis=-1)
        A = np.take_along_axis(flat, argmax[..., None], axis=-1)[..., 0]
        self.cache = (A_prev.shape, argmax)
        return A

    def backward(self, dA: np.ndarray) -> np.ndarray:
        _check_forward_ran(self)
        A_prev_shape, argmax = self.cache
        f = self.f
        mask = np.arange(f * f) == argmax[..., None]  # (C, n_H, n_W, m, f*f), one True per window
        dwindows = (mask * dA[..., None]).reshape(*dA.shape, f, f)
        return self._scatter(dwindows, A_prev_shape)


class AvgPool2D(_Pool2D):
    """Average pooling.

    Implements :eq:`eq-avgpool-forward` and :eq:`eq-avgpool-backward`: every
    element of a window gets ``1/f²`` of the window's gradient.
    """

    def forward(self, A_prev: np.ndarray, training: bool = True) -> np.ndarray:
        windows = self._windows(A_prev)
        self.cache = A_prev.shape
        return windows.mean(axis=(-2, -1))

    def backward(self, dA: np.ndarray) -> np.ndarray:
        _check_forward_ran(self)
        f = self.f
        dwindows = np.broadcast_to((dA / (f * f))[..., None, None], (*dA.shape, f, f))
        return self._scatter(dwindows, self.cache)


class Flatten:
    """Reshape ``(C, H, W, m)`` to ``(C·H·W, m)`` so a dense head can follow.

    Examples stay on the last axis; the backward pass is the inverse reshape.
    """

    def __init__(self):
        self.params, self.grads = {}, {}
        self.cache = None

    def output_shape(self, input_shape: tuple) -> tuple:
        return (int(np.prod(input_shape[:3])),)

    def forward(self, A_prev: np.ndarray, training: bool = True) -> np.ndarray:
        self.cache = A_prev.shape
        return A_prev.reshape(-1, A_prev.shape[-1])

    def backward(self, dA: np.ndarray) -> np.ndarray:
        _check_forward_ran(self)
        return dA.reshape(self.cache)


class Unflatten:
    """Reshape ``(C·H·W, m)`` to ``(C, H, W, m)``: the inverse of :class:`Flatten`.

    Put first in a convolutional network so that it takes the same ``(n_x, m)``
    design matrices as a dense one (and the data loaders, splits and training
    loop of the package work unchanged); row ``(c·H + h)·W + w`` of the input
    becomes pixel ``(c, h, w)``.
    """

    def __init__(self, image_shape: tuple):
        if len(image_shape) != 3:
            raise ValueError(
                f"image_shape: expected (channels, height, width), got {image_shape!r}."
            )
        self.image_shape = tuple(int(n) for n in image_shape)
        self.params, self.grads = {}, {}
        self.cache = None

    def output_shape(self, input_shape: tuple) -> tuple:
        return self.image_shape

    def forward(self, A_prev: np.ndarray, training: bool = True) -> np.ndarray:
        n = int(np.prod(self.image_shape))
        if A_prev.ndim != 2 or A_prev.shape[0] != n:
            raise ValueError(
                f"A_prev: expected shape ({n}, m), i.e. flattened images of shape {self.image_shape}, "
                f"got {A_prev.shape}."
            )
        self.cache = A_prev.shape
        return A_prev.reshape(*self.image_shape, A_prev.shape[-1])

    def backward(self, dA: np.ndarray) -> np.ndarray:
        _check_forward_ran(self)
        return dA.reshape(self.cache)
