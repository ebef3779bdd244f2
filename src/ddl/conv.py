"""Convolution (Parts 8 and 9).

Images are ``(channels, height, width, m)``.  A convolutional layer with
``n_C`` filters of size ``f × f`` over ``n_C_prev`` input channels holds

* ``W``: ``(n_C, n_C_prev, f, f)``, one filter per output channel,
* ``b``: ``(n_C, 1)``, one bias per output channel,

and maps ``A_prev`` ``(n_C_prev, n_H_prev, n_W_prev, m)`` to
``Z`` ``(n_C, n_H, n_W, m)``.  Like every deep-learning library, "convolution"
here is cross-correlation: the filter is slid over the image without being
flipped.  The flip appears in the backward pass (:func:`conv_backward_dX_full`).

The forward pass is vectorised with *im2col*: every ``f × f`` window of every
channel becomes one column of a matrix, and the whole layer is one matrix
product.  No Python loop visits pixels; the only loops (in :func:`col2im`) run
over the ``f × f`` positions inside a filter.

Equation labels: ``eq-conv-output-size``, ``eq-conv-forward``,
``eq-conv-backward``, ``eq-conv-backward-dx``.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

__all__ = [
    "Conv2D",
    "col2im",
    "conv_backward",
    "conv_backward_dX_full",
    "conv_forward",
    "conv_output_size",
    "im2col",
    "pad",
]


def conv_output_size(
    n: int, f: int, padding: int = 0, stride: int = 1, *, exact: bool = False
) -> int:
    """Number of positions a filter of size ``f`` takes along an input of size ``n``.

    Implements :eq:`eq-conv-output-size`: ``1 + ⌊(n − f + 2p) / s⌋``.

    Raises ``ValueError`` naming the offending setting when the filter does not
    fit inside the padded input, or when a size, stride or padding is not a
    sensible integer.  With ``exact=True`` it also refuses settings where the
    last ``(n − f + 2p) mod s`` rows/columns of the padded input would be
    skipped by the filter.
    """
    for name, value, low in (
        ("n", n, 1),
        ("f", f, 1),
        ("padding", padding, 0),
        ("stride", stride, 1),
    ):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise ValueError(f"{name} must be an integer, got {value!r} ({type(value).__name__})")
        if value < low:
            raise ValueError(f"{name} must be >= {low}, got {value}")
    span = n - f + 2 * padding
    if span < 0:
        raise ValueError(
            f"filter of size f={f} does not fit in an input of size n={n} with padding={padding}: "
            f"n + 2*padding = {n + 2 * padding} < f"
        )
    if exact and span % stride:
        raise ValueError(
            f"stride={stride} does not tile the padded input exactly: (n - f + 2*padding) = {span} "
            f"is not a multiple of the stride, so the last {span % stride} row(s)/column(s) are never seen"
        )
    return 1 + span // stride


def pad(X: np.ndarray, p: int) -> np.ndarray:
    """Zero-pad the two spatial axes of ``X`` ``(C, H, W, m)`` by ``p`` on every side."""
    if p == 0:
        return X
    return np.pad(X, ((0, 0), (p, p), (p, p), (0, 0)))


def im2col(X_pad: np.ndarray, f: int, stride: int) -> np.ndarray:
    """Lay every ``f × f`` window of the (already padded) ``X_pad`` out as a column.

    ``X_pad`` is ``(C, H, W, m)``; the result is ``(C, f, f, n_H, n_W, m)``, a fresh
    contiguous array, so ``cols.reshape(C*f*f, n_H*n_W*m)`` is the im2col matrix.
    """
    C, H, W, m = X_pad.shape
    n_H = conv_output_size(H, f, 0, stride)
    n_W = conv_output_size(W, f, 0, stride)
    windows = sliding_window_view(X_pad, (f, f), axis=(1, 2))  # (C, H-f+1, W-f+1, m, f, f), a view
    windows = windows[:, : (n_H - 1) * stride + 1 : stride, : (n_W - 1) * stride + 1 : stride]
    return np.ascontiguousarray(windows.transpose(0, 4, 5, 1, 2, 3))


def col2im(cols: np.ndarray, padded_shape: tuple, stride: int) -> np.ndarray:
    """The adjoint of :func:`im2col`: add every window back where it came from.

    ``cols`` is ``(C, f, f, n_H, n_W, m)``; returns an array of ``padded_shape``.
    Overlapping windows add up, which is exactly the chain rule for an input
    pixel that several windows read.  The loop runs over the ``f × f`` offsets
    inside the filter, never over pixels.
    """
    C, f, f2, n_H, n_W, m = cols.shape
    out = np.zeros(padded_shape, dtype=cols.dtype)
    h_end, w_end = (n_H - 1) * stride + 1, (n_W - 1) * stride + 1
    for i in range(f):
        for j in range(f2):
            out[:, i : i + h_end : stride, j : j + w_end : stride, :] += cols[:, i, j]
    return out


def conv_forward(
    A_prev: np.ndarray, W: np.ndarray, b: np.ndarray, stride: int = 1, padding: int = 0
):
    """Convolve ``A_prev`` ``(n_C_prev, H, W, m)`` with filters ``W`` ``(n_C, n_C_prev, f, f)``.

    Implements :eq:`eq-conv-forward`:
    ``Z[k, h, w, i] = Σ_c Σ_p Σ_q W[k, c, p, q] · A_pad[c, h·s + p, w·s + q, i] + b[k]``.

    Returns ``(Z, cache)``; ``Z`` is ``(n_C, n_H, n_W, m)``.
    """
    n_C_prev, H, W_in, m = A_prev.shape
    n_C, n_C_w, f, f_w = W.shape
    if n_C_w != n_C_prev:
        raise ValueError(
            f"W expects {n_C_w} input channels but A_prev has {n_C_prev} (A_prev.shape={A_prev.shape})"
        )
    if f != f_w:
        raise ValueError(f"filters must be square, got W.shape={W.shape}")
    n_H = conv_output_size(H, f, padding, stride)
    n_W = conv_output_size(W_in, f, padding, stride)
    A_pad = pad(A_prev, padding)
    cols = im2col(A_pad, f, stride)  # (n_C_prev, f, f, n_H, n_W, m)
    Z = W.reshape(n_C, -1) @ cols.reshape(n_C_prev * f * f, -1) + b.reshape(n_C, 1)
    Z = Z.reshape(n_C, n_H, n_W, m)
    cache = (A_prev.shape, A_pad.shape, cols, W, stride, padding)
    return Z, cache


def conv_backward(dZ: np.ndarray, cache, dX_method: str = "col2im"):
    """Backward pass of :func:`conv_forward`.

    Implements :eq:`eq-conv-backward`.  ``dZ`` is per example; returns
    ``(dA_prev, dW, db)`` with

    * ``dW = (1/m) Σ_i Σ_{h,w} dZ[k,h,w,i] · window(h,w,i)``, i.e. ``∂J/∂W``,
    * ``db = (1/m) Σ_i Σ_{h,w} dZ[k,h,w,i]``,
    * ``dA_prev``: every window sends ``Σ_k W[k] · dZ[k,h,w,i]`` back to the pixels
      it read (``dX_method="col2im"``), or, the same thing computed another way,
      a full convolution of ``dZ`` with the flipped filters
      (``dX_method="full"``, :func:`conv_backward_dX_full`).
    """
    A_prev_shape, A_pad_shape, cols, W, stride, padding = cache
    n_C, n_C_prev, f, _ = W.shape
    m = dZ.shape[-1]
    dZ_mat = dZ.reshape(n_C, -1)
    dW = (dZ_mat @ cols.reshape(n_C_prev * f * f, -1).T).reshape(W.shape) / m
    db = dZ_mat.sum(axis=1, keepdims=True) / m
    if dX_method not in ("col2im", "full"):
        raise ValueError(f"dX_method must be 'col2im' or 'full', got {dX_method!r}")
    if dX_method == "full":
        return conv_backward_dX_full(dZ, W, A_prev_shape, stride, padding), dW, db
    dcols = (W.reshape(n_C, -1).T @ dZ_mat).reshape(cols.shape)
    dA_pad = col2im(dcols, A_pad_shape, stride)
    _, H, W_in, _ = A_prev_shape
    dA_prev = dA_pad[:, padding : padding + H, padding : padding + W_in, :]
    return dA_prev, dW, db


def conv_backward_dX_full(
    dZ: np.ndarray, W: np.ndarray, A_prev_shape: tuple, stride: int = 1, padding: int = 0
):
    """``dA_prev`` as a *full* convolution of ``dZ`` with the flipped filters.

    Implements :eq:`eq-conv-backward-dx`: the gradient with respect to the input
    is ``dA_prev[c] = Σ_k full_conv(dZ[k], rot180(W[k, c]))``.  With stride ``s``
    the ``n_H × n_W`` map ``dZ`` is first *dilated* (``s − 1`` zeros between
    neighbours), then padded by ``f − 1`` on every side so that the flipped
    filter also visits the positions where it only partly overlaps; an ordinary
    stride-1 convolution (:func:`conv_forward`) then does the rest.  Padded rows
    and columns of the input are cropped away at the end, and any trailing
    pixels the forward stride never reached receive zero gradient.
    """
    n_C, n_C_prev, f, _ = W.shape
    _, H, W_in, m = A_prev_shape
    _, n_H, n_W, _ = dZ.shape
    dZ_dilated = np.zeros((n_C, (n_H - 1) * stride + 1, (n_W - 1) * stride + 1, m), dtype=dZ.dtype)
    dZ_dilated[:, ::stride, ::stride, :] = dZ
    W_flipped = W[:, :, ::-1, ::-1].transpose(1, 0, 2, 3)  # (n_C_prev, n_C, f, f)
    covered, _ = conv_forward(
        dZ_dilated, W_flipped, np.zeros((n_C_prev, 1)), stride=1, padding=f - 1
    )
    dA_pad = np.zeros((n_C_prev, H + 2 * padding, W_in + 2 * padding, m), dtype=dZ.dtype)
    dA_pad[:, : covered.shape[1], : covered.shape[2], :] = covered
    return dA_pad[:, padding : padding + H, padding : padding + W_in, :]


class Conv2D:
    """A convolutional layer: ``Z = W ∗ A_prev + b``, optionally followed by an activation.

    ``forward(A_prev, training=True) -> A`` and ``backward(dA) -> dA_prev``
    follow the same interface as :class:`ddl.layers.Dense`; ``params`` and
    ``grads`` are dicts with keys ``"W"`` and ``"b"``, and parameters are updated
    in place by the optimisers.

    ``activation`` is ``None`` (the layer outputs ``Z``) or ``"relu"``.
    ``dX_method`` chooses how ``dA_prev`` is computed: ``"col2im"`` (fast) or
    ``"full"`` (:func:`conv_backward_dX_full`, the picture in Part 9).  They agree
    to rounding; the tests check it.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        filter_size: int,
        stride: int = 1,
        padding: int = 0,
        rng: np.random.Generator | None = None,
        *,
        activation: str | None = None,
        dX_method: str = "col2im",
        dtype=np.float64,
    ):
        if rng is None:
            raise ValueError(
                "Conv2D needs an explicit rng (numpy.random.Generator) to initialise its filters"
            )
        if activation not in (None, "relu"):
            raise ValueError(f"activation must be None or 'relu', got {activation!r}")
        if dX_method not in ("col2im", "full"):
            raise ValueError(f"dX_method must be 'col2im' or 'full', got {dX_method!r}")
        conv_output_size(filter_size, filter_size, padding, stride)  # validates the integers
        self.in_channels, self.out_channels = in_channels, out_channels
        self.f, self.stride, self.padding = filter_size, stride, padding
        self.activation, self.dX_method = activation, dX_method
        fan_in = in_channels * filter_size * filter_size
        # He initialisation: the layer is usually followed by a ReLU.
        W = rng.standard_normal((out_channels, in_channels, filter_size, filter_size)) * np.sqrt(
            2.0 / fan_in
        )
        self.params = {"W": W.astype(dtype), "b": np.zeros((out_channels, 1), dtype=dtype)}
        self.grads = {"W": np.zeros_like(self.params["W"]), "b": np.zeros_like(self.params["b"])}
        self.cache = None

    def output_shape(self, input_shape: tuple) -> tuple:
        """``(n_C, n_H, n_W)`` for an input of shape ``(n_C_prev, H, W)`` (examples axis omitted)."""
        C, H, W = input_shape[:3]
        if C != self.in_channels:
            raise ValueError(
                f"layer expects {self.in_channels} input channels, got input_shape={input_shape}"
            )
        return (
            self.out_channels,
            conv_output_size(H, self.f, self.padding, self.stride),
            conv_output_size(W, self.f, self.padding, self.stride),
        )

    def forward(self, A_prev: np.ndarray, training: bool = True) -> np.ndarray:
        if A_prev.ndim != 4:
            raise ValueError(
                f"Conv2D expects A_prev of shape (channels, height, width, m), got shape {A_prev.shape}"
            )
        if A_prev.dtype != self.params["W"].dtype:
            raise TypeError(
                f"A_prev: expected dtype {self.params['W'].dtype} (the layer's weights), got {A_prev.dtype}; "
                f"convert the data once with X.astype(np.{self.params['W'].dtype})."
            )
        Z, conv_cache = conv_forward(
            A_prev, self.params["W"], self.params["b"], self.stride, self.padding
        )
        A = np.maximum(Z, 0) if self.activation == "relu" else Z
        self.cache = (conv_cache, Z)
        return A

    def backward(self, dA: np.ndarray) -> np.ndarray:
        if self.cache is None:
            raise RuntimeError("Conv2D.backward called before forward.")
        conv_cache, Z = self.cache
        dZ = dA * (Z > 0) if self.activation == "relu" else dA
        dA_prev, dW, db = conv_backward(dZ, conv_cache, self.dX_method)
        self.grads["W"][...] = dW
        self.grads["b"][...] = db
        return dA_prev
