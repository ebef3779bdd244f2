"""A problem with something an author wrote, said so that they can fix it without reading
the site's code: the file, the line, the field, what was expected, what was found, the fix.

Every wing reports through :class:`Problem` (front matter, prose checks, equations, settings),
so every message reads the same way; :func:`nearest` suggests the name a misspelt one meant.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a page, said so that its author can fix it without the source."""

    path: str
    line: int | None
    field: str
    expected: str
    found: str
    hint: str = ""
    where: str = "front matter field"  # "" when the field is the whole front matter

    @property
    def message(self) -> str:
        """The message without the file and line (Sphinx prints those as its location)."""
        label = f"{self.where} '{self.field}'" if self.where else self.field
        text = f"{label}: expected {self.expected}; found {self.found}."
        if self.field == "merge conflict":
            text = f"git merge-conflict marker: expected {self.expected}; found {self.found}."
        return f"{text} {self.hint}".strip()

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        return f"{where}: {self.message}"


def nearest(name: str, choices: tuple[str, ...] | list[str]) -> str | None:
    """The known name closest to a misspelt one, or None if nothing is close."""
    found = difflib.get_close_matches(name, choices, n=1, cutoff=0.6)
    if not found:
        lowered = {c.lower(): c for c in choices}
        found = difflib.get_close_matches(name.lower(), list(lowered), n=1, cutoff=0.6)
        found = [lowered[f] for f in found]
    return found[0] if found else None
