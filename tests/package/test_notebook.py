"""``ddl.notebook.counted``: a count with its noun, singular exactly when the count is 1."""

from __future__ import annotations

import numpy as np
import pytest

from ddl.notebook import counted


@pytest.mark.parametrize(
    ("count", "noun", "plural", "text"),
    [
        (1, "tumour", None, "1 tumour"),
        (0, "tumour", None, "0 tumours"),
        (2, "tumour", None, "2 tumours"),
        (np.int64(1), "test tumour", None, "1 test tumour"),
        (np.int64(3), "test tumour", None, "3 test tumours"),
        (2048, "parameter", None, "2,048 parameters"),
        (2, "batch", None, "2 batches"),
        (144, "epoch", None, "144 epochs"),
        (1, "epoch", None, "1 epoch"),
        (2, "bias", None, "2 biases"),
        (2, "box", None, "2 boxes"),
        (2, "query", None, "2 queries"),
        (2, "day", None, "2 days"),
        (1, "matrix", "matrices", "1 matrix"),
        (2, "matrix", "matrices", "2 matrices"),
        (-1, "step", None, "-1 steps"),
        (1, "  distinct   unit ", None, "1 distinct unit"),
    ],
)
def test_counted_agrees_with_its_count(count, noun, plural, text):
    assert counted(count, noun, plural) == text


@pytest.mark.parametrize("count", [1.0, 2.5, "3", True, None])
def test_counted_takes_whole_numbers_only(count):
    with pytest.raises(TypeError, match="counted: expected a whole number"):
        counted(count, "tumour")


@pytest.mark.parametrize("noun", ["", "  ", None])
def test_counted_needs_a_noun(noun):
    with pytest.raises(ValueError, match="counted: expected a noun"):
        counted(2, noun)
