"""A cell's printed output is the text it printed, however the kernel happened to send it.

The kernel sends what a cell prints in pieces, cut wherever its output buffer was flushed: a
matter of timing, so two runs of one cell cut it differently. ``print("dX:", array, sep="\\n")``
writes ``"dX:"``, then ``"\\n"``, then the array; cut between the first two, the notebook
holds the outputs ``"dX:"`` and ``"\\n[[...]]"``. myst-nb's ``nb_merge_streams`` (set in
``_config.yml``) joins the pieces of a stream, but strips each piece's trailing white space
and ends it with a newline, so that cut gives ``"dX:\\n\\n[[...]]"``, a blank line the cell
never printed, and two clean builds of one commit differ.

Here the pieces of each stream are first joined exactly, as they were written; myst-nb's merge
then sees one piece per stream and does the rest as before (the text's end trimmed to one
newline, carriage returns and backspaces applied, stderr after stdout).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sphinx.application import Sphinx


def _text(output: Any) -> str:
    text = output.get("text", "")
    return "".join(text) if isinstance(text, list) else text


def join_stream_pieces(outputs: list[Any]) -> list[Any]:
    """``outputs`` with every stream's pieces joined, in order, into the first piece (a copy:
    the notebook's own outputs are left as they are)."""
    joined: list[Any] = []
    first: dict[str, Any] = {}
    for output in outputs:
        if output.get("output_type") != "stream":
            joined.append(output)
            continue
        name = output.get("name")
        if name in first:
            first[name]["text"] += _text(output)
            continue
        piece = type(output)(output)  # a shallow copy, so the text can grow
        piece["text"] = _text(output)
        joined.append(piece)
        first[name] = piece
    return joined


def exact(coalesce: Callable[[list[Any]], list[Any]]) -> Callable[[list[Any]], list[Any]]:
    """myst-nb's ``coalesce_streams``, given each stream's pieces already joined."""

    def coalesce_exactly(outputs: list[Any]) -> list[Any]:
        return coalesce(join_stream_pieces(outputs))

    coalesce_exactly.ddl_exact = True  # type: ignore[attr-defined]
    return coalesce_exactly


def setup(app: Sphinx) -> dict[str, Any]:
    from myst_nb.core import render

    if not getattr(render.coalesce_streams, "ddl_exact", False):
        render.coalesce_streams = exact(render.coalesce_streams)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
