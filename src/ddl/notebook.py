"""Handing a post's results to its prose: ``glue`` a number, ``claim`` a comparison.

A post's code cells compute every number its prose quotes, and every comparison it makes
("the LSTM beats the plain RNN"). These two functions are how a cell hands them over:

* :func:`glue` stores a value under a name; the page writes it with ``{glue:text}`name:.3f```.
* :func:`claim` states that a comparison holds, under a name the prose cites with
  ``{claim}`name```; it raises :class:`ClaimError` when the comparison is false, so a change
  to the package that makes a sentence of a post untrue fails the build, naming the post and
  the claim.
* :func:`counted` writes a count with its noun, singular or plural as the count says
  (``glue("n_wrong", counted(n_wrong, "tumour"))`` reads "1 tumour" or "3 tumours"), for a
  number the prose follows with a noun and that could be 1.

When the site is built, ``glue`` is myst-nb's own. In a plain Jupyter or Colab kernel, where
myst-nb is not installed, both show what they were given instead (``name = value``,
``✓ statement``), so a reader running a downloaded post sees the numbers the page quotes.
Both record their values in the output's metadata the way myst-nb does (``scrapbook``), so a
program can read them back from an executed notebook.
"""

from __future__ import annotations

import html
from typing import Any

__all__ = ["ClaimError", "claim", "counted", "glue"]


class ClaimError(AssertionError):
    """A result a post states in its prose no longer holds."""


def glue(name: str, value: Any, display: bool = True) -> None:
    """Store ``value`` under ``name`` for the page's ``{glue:text}`name``` (myst-nb's glue).

    Without myst-nb the value is shown under the cell as ``name = value``.
    """
    try:
        from myst_nb import glue as myst_glue
    except ImportError:
        _show(name, value)
    else:
        myst_glue(name, value, display=display)


def claim(name: str, holds: Any, statement: str) -> None:
    """State that ``holds`` is true; the post's prose cites it as ``{claim}`name```.

    ``holds`` is the comparison itself (``f1_net < f1_logistic``), a Python or numpy bool.
    Raises :class:`ClaimError` naming the claim when it is false.
    """
    if not name or not name.replace("-", "").replace("_", "").isalnum():
        raise ValueError(
            f"claim name: expected letters or digits, which '-' and '_' may join; found {name!r}"
        )
    if type(holds).__name__ not in ("bool", "bool_"):
        raise TypeError(
            f"claim {name!r}: expected a bool (the comparison itself); "
            f"found {type(holds).__name__} {holds!r}"
        )
    if not holds:
        raise ClaimError(f"claim {name!r} does not hold: {statement}")
    glue(claim_key(name), statement, display=False)


def counted(count: Any, noun: str, plural: str | None = None) -> str:
    """``count`` followed by ``noun``, made plural unless the count is 1: "1 tumour", "0 tumours",
    "2,048 test tumours" (thousands separated by commas).

    The plural adds "s" to the last word ("es" after s, x, z, ch or sh, except a "ch" said as
    "k" as in "epoch"; "ies" for a "y" after a consonant: "batch" -> "batches", "epoch" ->
    "epochs", "query" -> "queries"); give ``plural`` for any other ("1 matrix", "2 matrices"). ``count`` is a whole number (an int or a numpy integer).
    """
    if isinstance(count, bool) or not hasattr(count, "__index__"):
        raise TypeError(
            f"counted: expected a whole number (int or numpy integer); "
            f"found {type(count).__name__} {count!r}"
        )
    count = count.__index__()
    if not isinstance(noun, str) or not noun.strip():
        raise ValueError(f"counted: expected a noun such as 'tumour'; found {noun!r}")
    noun = " ".join(noun.split())
    if count == 1:
        return f"{count:,} {noun}"
    return f"{count:,} {plural or _plural(noun)}"


#: Words ending in "ch" said as "k", whose plural adds only "s".
_HARD_CH = ("epoch", "stomach", "monarch", "matriarch", "patriarch", "tech")


def _plural(noun: str) -> str:
    if noun.endswith(_HARD_CH):
        return noun + "s"
    if noun.endswith(("s", "x", "z", "ch", "sh")):
        return noun + "es"
    if len(noun) > 1 and noun.endswith("y") and noun[-2].lower() not in "aeiou":
        return noun[:-1] + "ies"
    return noun + "s"


def claim_key(name: str) -> str:
    """The glue name a claim is recorded under."""
    return f"claim:{name}"


def _show(name: str, value: Any) -> None:
    from IPython.core.formatters import format_display_data
    from IPython.display import display

    bundle, metadata = format_display_data(value)
    text = bundle.get("text/plain", repr(value))
    if name.startswith(claim_key("")):
        rich = f"&#10003; {html.escape(str(value))}"
    else:
        # A numpy scalar reads as the number the page shows (0.9375), not numpy 2's repr
        # (np.float64(0.9375)).
        number = value.item() if type(value).__module__ == "numpy" and value.ndim == 0 else None
        seen = text if number is None else repr(number)
        rich = f"<code>{html.escape(name)}</code> = {html.escape(seen)}"
    metadata["scrapbook"] = {"name": name, "mime_prefix": ""}
    # text/plain keeps the value's own repr (what the page formats); html shows its name.
    display({"text/plain": text, "text/html": rich}, raw=True, metadata=metadata)
