"""Claims: a sentence of a post that compares results is checked by the code that computed them.

A glued number cannot go stale, but a comparison can: "the LSTM beats the plain RNN" stays on
the page after a change to the package has made it false, while both glued numbers update. So
a post states each comparison twice, once in a code cell and once in its prose:

* a code cell calls ``ddl.notebook.claim("lstm-beats-rnn", lstm_cost < rnn_cost, "...")``,
  which raises (and so fails the build, naming the post and the claim) when it is false, and
  records the claim in the cell's output when it holds;
* the sentence cites it with the ``{claim}`` role: ``{claim}`lstm-beats-rnn``` (renders
  nothing) or ``{claim}`the LSTM learns the task <lstm-beats-rnn>``` (renders the text).

The role fails the build when the post's executed cells recorded no claim of that name (the
claim cell was removed or renamed), naming the file, the line and the claim. Problems join the
front-matter problems, which stop the build before anything is written.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx

from ddl.notebook import claim_key

from ..core.problems import Problem

ROLE = re.compile(r"^(?:(?P<text>.*?)\s*<(?P<name>[\w\-]+)>|(?P<bare>[\w\-]+))$", re.DOTALL)


def parse(text: str) -> tuple[str, str] | None:
    """``(shown text, claim name)`` of a role's content, or None if it is malformed."""
    match = ROLE.match(text.strip())
    if match is None:
        return None
    if match["bare"]:
        return "", match["bare"]
    return match["text"], match["name"]


def recorded_claims(document: nodes.document) -> dict[str, str]:
    """``{name: statement}`` of the claims the document's executed cells recorded."""
    renderer = document.get("nb_renderer") if "nb_renderer" in document else None
    if renderer is None:
        return {}
    prefix = claim_key("")
    found = {}
    for key, output in renderer.renderer.nb_client.glue_data.items():
        if key.startswith(prefix):
            found[key[len(prefix) :]] = str(output.get("data", {}).get("text/plain", ""))
    return found


def source_line(source: Path, raw: str, near: int) -> int:
    """The line of ``source`` holding ``raw`` closest to ``near`` (the parser's guess, which
    is off by one in a notebook's Markdown cells); ``near`` if no line holds it."""
    lines = source.read_text(encoding="utf-8").splitlines()
    found = [number for number, line in enumerate(lines, 1) if raw in line]
    return min(found, key=lambda number: abs(number - near)) if found else near


def claim_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    """``{claim}`name``` or ``{claim}`shown text <name>```: see the module's docstring."""
    document = inliner.document
    env = document.settings.env
    parsed = parse(text)
    claims = recorded_claims(document)
    problem = None
    source = Path(env.doc2path(env.docname))
    path = source.relative_to(env.srcdir).as_posix()
    if parsed is None:
        problem = Problem(
            path,
            lineno,
            "claim",
            "{claim}`name` or {claim}`shown text <name>` (letters, digits, '-', '_')",
            f"{{claim}}`{text}`",
            "Name the claim as its cell does, e.g. {claim}`lstm-beats-rnn`.",
            where="role",
        )
    elif parsed[1] not in claims:
        stated = ", ".join(sorted(claims)) or "none"
        problem = Problem(
            path,
            lineno,
            parsed[1],
            f"a code cell of this post that calls claim({parsed[1]!r}, <comparison>, <statement>)",
            f"no such claim (the post's cells state: {stated})",
            f"State it in a code cell with claim({parsed[1]!r}, ...), or cite one the cells state.",
            where="claim",
        )
    if problem is not None:
        problem = replace(problem, line=source_line(source, f"{{claim}}`{text}`", lineno))
        env.ddl_problems.setdefault(env.docname, []).append(problem)
        return [], []
    shown = parsed[0]
    if not shown:
        return [claim_mark()], []
    return [nodes.inline(rawtext, shown, classes=["ddl-claim"])], []


class claim_mark(nodes.Inline, nodes.Element):
    """Where a bare ``{claim}`name``` stood: removed after reading, with the space before it
    when punctuation follows ("is last {claim}`x`." reads "is last.")."""


PUNCTUATION = (".", ",", ";", ":", "!", "?", ")", "—")


def remove_marks(app: Sphinx, doctree: nodes.document) -> None:
    for mark in list(doctree.findall(claim_mark)):
        parent = mark.parent
        index = parent.index(mark)
        before = parent[index - 1] if index > 0 else None
        after = parent[index + 1] if index + 1 < len(parent) else None
        closes = after is None or (
            isinstance(after, nodes.Text) and after.astext().startswith(PUNCTUATION)
        )
        if closes and isinstance(before, nodes.Text) and before.astext() != before.rstrip():
            # By position: Element.replace finds a Text by equal text, and every line break
            # of a paragraph is a Text "\n" of its own.
            parent[index - 1] = nodes.Text(before.astext().rstrip())
        parent.remove(mark)


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_role("claim", claim_role)
    app.add_node(claim_mark)
    app.connect("doctree-read", remove_marks)
    return {"parallel_read_safe": True}
