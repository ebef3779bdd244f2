"""Looking things up by name, with the error message the rest of the package gives."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import TypeVar

T = TypeVar("T")


def lookup(parameter: str, name: object, table: Mapping[str, T], alternative: str) -> T:
    """``table[name]``, or a ``ValueError`` naming the parameter, the valid names, what arrived
    and the closest valid name (``alternative`` says what else the parameter accepts)."""
    if isinstance(name, str) and name in table:
        return table[name]
    hint = ""
    if isinstance(name, str):
        close = difflib.get_close_matches(name, list(table), n=1)
        if close:
            hint = f" Did you mean {close[0]!r}?"
    raise ValueError(
        f"{parameter}: expected one of {sorted(table)} or {alternative}, got {name!r}.{hint}"
    )
