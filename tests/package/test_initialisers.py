"""Initialisers: the dtype a caller asks for, the default one, and the spread each one promises.

The spreads are checked against the variances written out again here from their definitions
(N(0, 0.01²), 2 / (fan_in + fan_out), 2 / fan_in), not against the package's own ``fans``.
"""

import numpy as np
import pytest

from ddl import initialisers as init

NAMES = sorted(init.INITIALISERS)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_every_initialiser_returns_the_dtype_asked_for(name, dtype):
    W = init.get_initialiser(name)((5, 3, 2, 2), np.random.default_rng(0), dtype=dtype)
    assert W.shape == (5, 3, 2, 2) and W.dtype == dtype


@pytest.mark.parametrize("name", NAMES)
def test_every_initialiser_defaults_to_float64(name):
    W = init.get_initialiser(name)((4, 6), np.random.default_rng(0))
    assert W.shape == (4, 6) and W.dtype == np.float64


def test_initialiser_lookup_by_name_and_callable():
    assert set(init.INITIALISERS) == {"zeros", "small_random", "xavier", "glorot", "he"}
    assert init.get_initialiser("glorot") is init.glorot is init.xavier
    assert init.get_initialiser("he") is init.he

    def custom(shape, rng, dtype=np.float64):
        return np.full(shape, 0.5, dtype=dtype)

    assert init.get_initialiser(custom) is custom
    with pytest.raises(ValueError) as info:
        init.get_initialiser("xavir")
    assert str(info.value) == (
        "initialiser: expected one of ['glorot', 'he', 'small_random', 'xavier', 'zeros'] "
        "or a callable, got 'xavir'. Did you mean 'xavier'?"
    )


def test_fans_and_their_errors():
    assert init.fans((7, 4)) == (4, 7)  # dense (n_out, n_in)
    assert init.fans((8, 3, 5, 5)) == (3 * 25, 8 * 25)  # convolution (filters, channels, f, f)
    assert init.fans((6, 2, 4)) == (8, 24)  # a 1-D convolution (filters, channels, f)
    with pytest.raises(ValueError) as info:
        init.fans((5,))
    assert str(info.value) == "shape: expected at least 2 dimensions (n_out, n_in, ...), got (5,)."


@pytest.mark.parametrize("name", ["small_random", "xavier", "he"])
def test_random_initialisers_need_a_generator(name):
    with pytest.raises(TypeError) as info:
        init.get_initialiser(name)((3, 2), 0)
    assert str(info.value) == (
        "rng: expected a numpy.random.Generator (e.g. numpy.random.default_rng(0)), got int."
    )
    assert np.all(init.zeros((3, 2)) == 0)  # zeros needs none


@pytest.mark.parametrize(
    "name, variance",
    [
        ("small_random", lambda fan_in, fan_out: 0.01**2),
        ("xavier", lambda fan_in, fan_out: 2 / (fan_in + fan_out)),
        ("he", lambda fan_in, fan_out: 2 / fan_in),
    ],
)
@pytest.mark.parametrize("shape", [(300, 200), (64, 16, 3, 3), (40, 30, 7)])
def test_random_initialisers_have_mean_zero_and_the_stated_variance(name, variance, shape):
    fan_in = int(np.prod(shape[1:]))
    fan_out = shape[0] * int(np.prod(shape[2:]))
    W = init.get_initialiser(name)(shape, np.random.default_rng(1))
    sd = np.sqrt(variance(fan_in, fan_out))
    assert abs(W.mean()) < 4 * sd / np.sqrt(W.size)
    assert W.std() == pytest.approx(sd, rel=0.03)
