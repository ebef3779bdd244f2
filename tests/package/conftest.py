"""Shared setup for the companion package's tests.

Every test runs with numpy raising on any floating-point problem (overflow,
invalid operation, division by zero, underflow), so a warning that would be
silent in a post fails a test here.  BLAS runs on one thread.
"""

import numpy as np
import pytest
from threadpoolctl import threadpool_limits


@pytest.fixture(autouse=True, scope="session")
def _single_threaded_blas():
    """The package's tests multiply small matrices: BLAS threads only add
    contention (and, on a busy machine, slow the suite down many times)."""
    with threadpool_limits(limits=1, user_api="blas"):
        yield


@pytest.fixture(autouse=True)
def _numpy_raises_on_floating_point_errors():
    old = np.seterr(all="raise")
    try:
        yield
    finally:
        np.seterr(**old)
