"""The building blocks of the convolution against torch: pad, im2col, col2im and the
full-convolution dX, each on its own (the layer as a whole is checked in test_conv.py)."""

import numpy as np
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from ddl.conv import col2im, conv_backward_dX_full, conv_output_size, im2col, pad

SETTINGS = settings(max_examples=40, deadline=None)
F = torch.nn.functional


@st.composite
def windows(draw, max_size=8):
    """Channels, a padded height and width, a filter that fits, a stride, m and a seed."""
    f = draw(st.integers(1, 4))
    stride = draw(st.integers(1, 3))
    H = draw(st.integers(f, max_size))
    W = draw(st.integers(f, max_size))
    C = draw(st.integers(1, 3))
    m = draw(st.integers(1, 3))
    seed = draw(st.integers(0, 2**32 - 1))
    return C, H, W, f, stride, m, seed


def to_torch(X):
    """(C, H, W, m) → torch's (m, C, H, W)."""
    return torch.from_numpy(np.ascontiguousarray(X.transpose(3, 0, 1, 2)))


@given(
    shape=st.tuples(st.integers(1, 3), st.integers(1, 5), st.integers(1, 5), st.integers(1, 3)),
    p=st.integers(0, 3),
    seed=st.integers(0, 2**32 - 1),
)
@SETTINGS
def test_pad_matches_torch_pad(shape, p, seed):
    X = np.random.default_rng(seed).standard_normal(shape)
    expected = F.pad(to_torch(X), (p, p, p, p)).numpy().transpose(1, 2, 3, 0)
    np.testing.assert_array_equal(pad(X, p), expected)


@given(windows())
@SETTINGS
def test_im2col_matches_torch_unfold(setting):
    C, H, W, f, s, m, seed = setting
    X = np.random.default_rng(seed).standard_normal((C, H, W, m))
    cols = im2col(X, f, s)
    n_H, n_W = len(range(0, H - f + 1, s)), len(range(0, W - f + 1, s))
    assert cols.shape == (C, f, f, n_H, n_W, m)
    # torch: (m, C·f·f, n_H·n_W), rows in (c, p, q) order, columns in (h, w) order.
    unfolded = F.unfold(to_torch(X), kernel_size=f, stride=s).numpy()
    np.testing.assert_array_equal(
        cols.reshape(C * f * f, n_H * n_W, m), unfolded.transpose(1, 2, 0)
    )


@given(windows())
@SETTINGS
def test_col2im_matches_torch_fold(setting):
    C, H, W, f, s, m, seed = setting
    rng = np.random.default_rng(seed)
    n_H, n_W = conv_output_size(H, f, 0, s), conv_output_size(W, f, 0, s)
    cols = rng.standard_normal((C, f, f, n_H, n_W, m))
    out = col2im(cols, (C, H, W, m), s)
    folded = F.fold(
        torch.from_numpy(
            np.ascontiguousarray(cols.reshape(C * f * f, n_H * n_W, m).transpose(2, 0, 1))
        ),
        output_size=(H, W),
        kernel_size=f,
        stride=s,
    )
    np.testing.assert_allclose(out, folded.numpy().transpose(1, 2, 3, 0), rtol=1e-12, atol=1e-12)


@given(windows())
@SETTINGS
def test_col2im_is_the_adjoint_of_im2col(setting):
    # <im2col(X), Y> = <X, col2im(Y)> for every X and Y: the defining property of the adjoint,
    # with X and Y drawn independently (a sum computed with numpy alone).
    C, H, W, f, s, m, seed = setting
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((C, H, W, m))
    cols = im2col(X, f, s)
    Y = rng.standard_normal(cols.shape)
    assert np.isclose(np.sum(cols * Y), np.sum(X * col2im(Y, X.shape, s)), rtol=1e-12, atol=1e-12)


@st.composite
def conv_settings(draw):
    f = draw(st.integers(1, 4))
    p = draw(st.integers(0, 2))
    s = draw(st.integers(1, 3))
    H = draw(st.integers(max(1, f - 2 * p), 8))
    W = draw(st.integers(max(1, f - 2 * p), 8))
    C, K, m = draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    return C, K, H, W, f, s, p, m, draw(st.integers(0, 2**32 - 1))


@given(conv_settings())
@SETTINGS
def test_full_convolution_dX_matches_torch_autograd(setting):
    # Including strides that leave trailing rows unread (they must get zero gradient).
    C, K, H, W, f, s, p, m, seed = setting
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((C, H, W, m))
    Wf = rng.standard_normal((K, C, f, f))
    Xt = to_torch(X).requires_grad_(True)
    Zt = F.conv2d(Xt, torch.from_numpy(Wf), stride=s, padding=p)
    dZ = rng.standard_normal(tuple(Zt.shape[i] for i in (1, 2, 3, 0)))
    (Zt * to_torch(dZ)).sum().backward()
    dX = conv_backward_dX_full(dZ, Wf, X.shape, s, p)
    np.testing.assert_allclose(dX, Xt.grad.numpy().transpose(1, 2, 3, 0), rtol=1e-10, atol=1e-10)
