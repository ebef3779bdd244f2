"""A glued number agrees with the noun after it: "1 tumour", never "1 tumours".

A post writes ``{glue:text}`n_wrong` tumours`` only for a count that cannot be 1; a count that
can be is glued with its noun, ``glue("n_wrong", counted(n_wrong, "tumour"))`` (from
:mod:`ddl.notebook`), and written ``{glue:text}`n_wrong``` alone. This module is the guard:
once a post has run, a glued value that reads exactly "1" followed by a plural noun fails the
build, naming the file, the line, the glued key, the noun and the fix.

A plural is known by its ending ("tumours", "batches", "ones"). The word right after the
number is looked at, and the next one too when the first is not a plural (an adjective:
"1 test tumours", "1 malignant ones"); a function word (of, the, than, ...) or punctuation
ends the look. A number that ends a list ("by 1, 2, 3, 2 and 1 window positions") is left
alone: the noun belongs to the whole list.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx

from ..core.problems import Problem

#: Words after which the noun of the number is no longer being named.
FUNCTION_WORDS = frozenset(
    [
        "of",
        "in",
        "on",
        "at",
        "for",
        "to",
        "from",
        "with",
        "by",
        "and",
        "or",
        "but",
        "nor",
        "than",
        "as",
        "the",
        "a",
        "an",
        "that",
        "which",
        "who",
        "whom",
        "whose",
        "it",
        "its",
        "this",
        "these",
        "those",
        "is",
        "was",
        "are",
        "were",
        "be",
        "been",
        "being",
        "has",
        "have",
        "had",
        "not",
        "per",
        "into",
        "onto",
        "over",
        "under",
        "after",
        "before",
        "since",
        "until",
        "while",
        "when",
        "where",
        "if",
        "so",
        "out",
        "up",
        "down",
        "off",
        "each",
        "every",
        "all",
        "no",
        "any",
    ]
)
#: Words ending in "s" that are not plurals.
NOT_PLURAL = frozenset(
    [
        "is",
        "was",
        "has",
        "does",
        "its",
        "this",
        "thus",
        "plus",
        "minus",
        "less",
        "unless",
        "across",
        "always",
        "perhaps",
        "whereas",
        "besides",
        "towards",
        "afterwards",
        "sometimes",
        "nevertheless",
        "series",
        "species",
        "means",
        "news",
        "lens",
        "bias",
        "gas",
        "canvas",
        "alias",
        "atlas",
        "chaos",
        "cosmos",
        "analysis",
        "basis",
        "axis",
        "hypothesis",
        "thesis",
        "yes",
        "us",
        "as",
        "his",
        "hers",
        "ours",
        "yours",
        "theirs",
        "whose",
    ]
)
WORD = re.compile(r"\s*([A-Za-z][A-Za-z'’-]*)")
LIST_END = re.compile(r"(?:,|\band|\bor|\bto|–|-)\s*$")


def is_plural(word: str) -> bool:
    """Whether ``word`` reads as a plural noun ("tumours", "batches"; not "is", "loss", "bias")."""
    word = word.lower().rstrip("'’")
    return (
        len(word) > 2
        and word.endswith("s")
        and not word.endswith(("ss", "us", "is", "'s", "’s"))
        and word not in NOT_PLURAL
    )


def singular(word: str) -> str:
    """A plural's singular, by its ending: "batches" -> "batch", "queries" -> "query"."""
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "sses", "xes", "zes")):
        return word[:-2]
    return word[:-1]


def plural_after(text: str) -> str | None:
    """The words after a number up to a plural noun among the next two ("test tumours"), or
    None when they hold none."""
    words = []
    rest = text
    for _ in range(2):
        match = WORD.match(rest)
        if match is None:
            return None
        word = match.group(1)
        if word.lower() in FUNCTION_WORDS:
            return None
        words.append(word)
        if is_plural(word):
            return " ".join(words)
        rest = rest[match.end() :]
    return None


def glue_uses(source: str, first_word: str) -> list[tuple[int, str]]:
    """(line, key) of every ``{glue:text}`key``` followed by ``first_word`` in ``source``."""
    pattern = re.compile(
        r"\{glue:text\}`(?P<key>[^`:]+)(?::[^`]*)?`\s+" + re.escape(first_word) + r"(?![\w'’-])"
    )
    return [
        (source.count("\n", 0, match.start()) + 1, match["key"])
        for match in pattern.finditer(source)
    ]


def _is_pasted(node: Any) -> bool:
    return isinstance(node, nodes.inline) and "pasted-text" in node.get("classes", [])


def _text_after(node: nodes.Node) -> str:
    parent = node.parent
    text = ""
    for sibling in parent[parent.index(node) + 1 :]:
        if not isinstance(sibling, nodes.Text):
            break
        text += sibling.astext()
    return text


def _ends_a_list(node: nodes.Node) -> bool:
    """Whether the number is the last of a list of numbers ("2, 3 and 1 windows")."""
    parent = node.parent
    index = parent.index(node)
    if index == 0 or not isinstance(parent[index - 1], nodes.Text):
        return False
    before = parent[index - 1].astext()
    if not LIST_END.search(before):
        return False
    stem = LIST_END.sub("", before).rstrip()
    return bool(re.search(r"\d$", stem)) or (
        not stem and index >= 2 and _is_pasted(parent[index - 2])
    )


def check_doctree(doctree: nodes.document, source: str, path: str) -> list[Problem]:
    """Every glued "1" in a page followed by a plural noun (``source``: the page's text)."""
    problems = []
    for node in list(doctree.findall(_is_pasted)):
        if node.astext().strip() != "1" or _ends_a_list(node):
            continue
        phrase = plural_after(_text_after(node))
        if phrase is None:
            continue
        words = phrase.split()
        uses = glue_uses(source, words[0])
        near = node.line or 0
        line, key = min(uses, key=lambda use: abs(use[0] - near)) if uses else (node.line, "?")
        one = " ".join([*words[:-1], singular(words[-1])])
        problems.append(
            Problem(
                path,
                line,
                key,
                "a noun that agrees with the number before it",
                f"1 followed by the plural '{words[-1]}' (the page reads \"1 {phrase}\")",
                f'Glue the count with its noun, glue("{key}", counted(n, "{one}")) with '
                f'counted from ddl.notebook, and delete "{phrase}" after '
                f"{{glue:text}}`{key}`.",
                where="glued number",
            )
        )
    return problems


def on_doctree_read(app: Sphinx, doctree: nodes.document) -> None:
    env = app.env
    source_path = Path(env.doc2path(env.docname))
    if not source_path.is_file():
        return
    found = check_doctree(
        doctree,
        source_path.read_text(encoding="utf-8"),
        source_path.relative_to(env.srcdir).as_posix(),
    )
    if found:
        env.ddl_problems.setdefault(env.docname, []).extend(found)


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("doctree-read", on_doctree_read, priority=600)  # after the claims' marks go
    return {"parallel_read_safe": True}
