"""Initialisers against their definitions: the draws follow N(0, σ²) with the σ of each rule
(Kolmogorov-Smirnov tests with scipy, and against torch.nn.init's own draws), and the fans
agree with torch's."""

import math

import numpy as np
import pytest
import scipy.stats
import torch

from ddl import initialisers as init

SHAPES = [(300, 200), (40, 7), (16, 3, 5, 5), (8, 4, 3)]


def torch_fans(shape):
    return torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))


def definition_fans(shape):
    """fan-in: inputs feeding one unit; fan-out: units one input feeds (times the receptive field)."""
    receptive = 1
    for n in shape[2:]:
        receptive *= n
    return shape[1] * receptive, shape[0] * receptive


@pytest.mark.parametrize("shape", SHAPES)
def test_fans_match_torch_and_the_definition(shape):
    assert init.fans(shape) == torch_fans(shape) == definition_fans(shape)


SIGMAS = {
    "small_random": lambda fan_in, fan_out: 0.01,
    "xavier": lambda fan_in, fan_out: math.sqrt(2 / (fan_in + fan_out)),
    "glorot": lambda fan_in, fan_out: math.sqrt(2 / (fan_in + fan_out)),
    "he": lambda fan_in, fan_out: math.sqrt(2 / fan_in),
}


def draws(initialiser, shape, seed, n=60_000):
    """Enough independent draws from one generator to pin the distribution down."""
    rng = np.random.default_rng(seed)
    size = math.prod(shape)
    return np.concatenate([initialiser(shape, rng).ravel() for _ in range(-(-n // size))])


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("name", sorted(SIGMAS))
def test_draws_are_normal_with_the_stated_spread(name, shape):
    fan_in, fan_out = definition_fans(shape)
    sigma = SIGMAS[name](fan_in, fan_out)
    initialiser = getattr(init, name)
    W = initialiser(shape, np.random.default_rng(0))
    assert W.shape == shape and W.dtype == np.float64
    x = draws(initialiser, shape, seed=1)
    assert scipy.stats.kstest(x, scipy.stats.norm(0, sigma).cdf).pvalue > 1e-3
    # The sample variance within 5 standard errors (σ² √(2/n)) of σ².
    assert abs(x.var() - sigma**2) < 5 * sigma**2 * math.sqrt(2 / x.size)
    # A spread 10% off is rejected by the same test: it has the power to catch a wrong rule.
    assert scipy.stats.kstest(x, scipy.stats.norm(0, 1.1 * sigma).cdf).pvalue < 1e-6


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize(
    ("name", "torch_init"),
    [
        ("xavier", torch.nn.init.xavier_normal_),
        ("he", lambda t: torch.nn.init.kaiming_normal_(t, mode="fan_in", nonlinearity="relu")),
    ],
)
def test_draws_have_the_distribution_of_torch_init(name, torch_init, shape):
    ours = draws(getattr(init, name), shape, seed=2)
    torch.manual_seed(0)
    size = math.prod(shape)
    theirs = np.concatenate(
        [
            torch_init(torch.empty(shape, dtype=torch.float64)).numpy().ravel()
            for _ in range(-(-ours.size // size))
        ]
    )
    assert scipy.stats.ks_2samp(ours, theirs).pvalue > 1e-3


def test_entries_are_independent_across_positions():
    # Two different entries of many draws are uncorrelated (a copied row would show up).
    rng = np.random.default_rng(3)
    samples = np.stack([init.xavier((4, 3), rng).ravel() for _ in range(4000)])
    corr = np.corrcoef(samples, rowvar=False)
    off_diagonal = corr[~np.eye(12, dtype=bool)]
    assert np.max(np.abs(off_diagonal)) < 5 / math.sqrt(4000)


def test_zeros_and_dtypes():
    np.testing.assert_array_equal(init.zeros((3, 4)), np.zeros((3, 4)))
    for name in ("zeros", "small_random", "xavier", "he"):
        W = getattr(init, name)((5, 6), np.random.default_rng(0), dtype=np.float32)
        assert W.dtype == np.float32 and W.shape == (5, 6)
    assert init.glorot is init.xavier
