"""A change in what the package cites re-reads exactly the pages that show it.

The pages show, under each implemented equation, the functions that cite it. A citation added
to a module that no post imports changes no post's inputs, so nothing else would re-read them.
"""

from __future__ import annotations

from types import SimpleNamespace

from ddl_site.sync import equation_links
from ddl_site.sync.equations import Citation


def citation(label: str, qualname: str, line: int = 3, docstring_line: int = 4) -> Citation:
    module = qualname.rsplit(".", 1)[0].replace(".", "/")
    return Citation(label, qualname, f"src/{module}.py", line, docstring_line, "function")


class Book:
    """An app and environment as the handler sees them: equations by label, the index's page."""

    def __init__(self, citations: list[Citation]):
        self.app = SimpleNamespace(_ddl_citations=citations)
        math = SimpleNamespace(
            equations={"eq-line": ("book/first", 1), "eq-loss": ("book/second", 1)}
        )
        self.env = SimpleNamespace(
            ddl_equation_index_docs={"book/equations"},
            ddl_equation_index_inputs="listed",
            get_domain=lambda name: math,
        )

    def outdated(self, citations: list[Citation], removed=frozenset()) -> list[str]:
        self.app._ddl_citations = citations
        return equation_links._outdated(self.app, self.env, set(), set(), set(removed))


def test_pages_follow_the_citations_of_every_module(monkeypatch):
    monkeypatch.setattr(equation_links, "_listed_equations", lambda app: "listed")
    line = citation("eq-line", "ddl.linear.predict")
    book = Book([line])
    # No record yet (a fresh environment): the pages of every cited equation, and the index.
    assert book.outdated([line]) == ["book/equations", "book/first"]
    assert book.outdated([line]) == []  # nothing changed

    # A module no post imports now cites the second post's equation.
    loss = citation("eq-loss", "ddl.unused.loss")
    assert book.outdated([line, loss]) == ["book/equations", "book/second"]
    assert book.outdated([line, loss]) == []

    # Its function moves down the file: the link's line changes.
    moved = citation("eq-loss", "ddl.unused.loss", line=9, docstring_line=10)
    assert book.outdated([line, moved]) == ["book/equations", "book/second"]
    # Only the docstring's own line moves: the page shows nothing of it.
    assert book.outdated([line, citation("eq-loss", "ddl.unused.loss", 9, 12)]) == []

    # The citation goes away; a page removed is not asked for.
    assert book.outdated([line], removed={"book/second"}) == ["book/equations"]


def test_a_mention_that_is_not_a_citation_changes_nothing(monkeypatch):
    monkeypatch.setattr(equation_links, "_listed_equations", lambda app: "listed")
    line = citation("eq-line", "ddl.linear.predict")
    book = Book([line])
    book.outdated([line])
    mention = Citation("eq-loss", "ddl.unused", "src/ddl/unused.py", 1, 1, "module", role=False)
    assert not mention.implements
    assert book.outdated([line, mention]) == []
