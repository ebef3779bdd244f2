"""Shared setup for the companion package's tests.

Every test runs with numpy raising on any floating-point problem (overflow,
invalid operation, division by zero, underflow), so a warning that would be
silent in a post fails a test here.
"""

import numpy as np
import pytest


@pytest.fixture(autouse=True)
def _numpy_raises_on_floating_point_errors():
    old = np.seterr(all="raise")
    try:
        yield
    finally:
        np.seterr(**old)
