"""Checks that nothing in a post is typed that should come from the code.

Two rules, as plain functions over a post's MyST source (nothing here knows Sphinx):

* a post never shows, as a non-executed code block, a function or class that exists in the
  package: it includes the tested code instead (``literalinclude`` with ``:pyobject:``);
* a number with a decimal point in the post's prose is a computed result, so it must be glued
  from the executed code (``{glue:text}`name:.3f```). A number that is a constant of the maths
  or a fact quoted from elsewhere (``β₁ = 0.9``, "the original's F1 of 0.919") is marked
  ``{constant}`0.919``` and passes. Maths (``$…$``, ``$$…$$``), code and links are not prose.

Every check here reads the post as MyST does, through the tokens of its markdown-it parser
(:mod:`ddl_site.core.myst_tokens`): prose is what MyST renders as text, maths what it renders as
maths, code what it renders as code, so an indented code block, maths over two lines and a
code span holding backticks are each read as what they are.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ..core.myst_tokens import (
    MATHS_INLINE,
    Block,
    Extensions,
    Reading,
    directive,
    read,
    site_extensions,
)
from ..core.problems import Problem

PYTHON_LANGUAGES = {"python", "py", "python3", "ipython", "ipython3", "pycon"}
#: Directives whose content is Python code shown, not run.
CODE_DIRECTIVES = {"code-block", "code", "sourcecode"}
DECIMAL = re.compile(r"(?<![\w.\-/#])[-−]?\d+\.\d+(?![\w.]*\w)")
DEFINITION = re.compile(r"^\s*(?:async\s+)?(?:def|class)\s+(\w+)")


@dataclass(frozen=True)
class NotationRule:
    name: str
    pattern: re.Pattern[str]
    expected: str
    fix: str


NOTATION = (
    NotationRule(
        "transpose",
        re.compile(
            r"\^\s*(?:T(?![A-Za-z])|\\intercal|\{\s*(?:T|\\mathsf\{T\}|\\mathrm\{T\}|\\intercal)\s*\})"
        ),
        "'^{\\top}' (T is a sequence's length in this series)",
        "Write the transpose as ^{\\top}.",
    ),
    NotationRule(
        "loss symbol",
        re.compile(r"\\partial\s*\{?\s*L(?![A-Za-z])"),
        "'\\partial \\mathcal{L}' (an example's loss is \\mathcal{L}; L is the number of layers)",
        "Write the loss as \\mathcal{L} (or J for the cost).",
    ),
)
BIG_OPERATOR_LIMIT = re.compile(
    r"\\(?:sum|prod|int|max|min|lim|bigcup|bigcap)\s*(?:_\{[^{}]*\}|_\\?\w+)?\s*$"
)


def package_definitions(package_dir: Path, root: Path) -> dict[str, str]:
    """Public top-level functions and classes of a package: ``{name: file relative to root}``."""
    found: dict[str, str] = {}
    for path in sorted(package_dir.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in tree.body:
            is_definition = isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
            if is_definition and not node.name.startswith("_"):
                found.setdefault(node.name, path.relative_to(root).as_posix())
    return found


def _prose_lines(reading: Reading) -> Iterator[tuple[int, str]]:
    """Each line of each paragraph, heading, cell or term as its reader sees the words:
    ``(line, text)``, where code, maths, roles, substitutions, HTML and an autolink's address
    are each a space. A link's text is prose; its target is not."""
    for spans in reading.inlines:
        visible: dict[int, list[str]] = {}
        in_autolink = False
        for span in spans:
            if span.type == "link_open":
                in_autolink = span.token.markup == "autolink"
            elif span.type == "link_close":
                in_autolink = False
            if span.type in ("softbreak", "hardbreak"):
                continue
            prose = span.type == "text" and not in_autolink
            visible.setdefault(span.line, []).append(span.content if prose else " ")
        for line, pieces in visible.items():
            yield line, "".join(pieces)


def _maths(reading: Reading) -> Iterator[tuple[int, str]]:
    """``(line of its start, TeX)`` of each piece of maths: display maths, ``$…$`` and
    ``{math}`…```."""
    for block in reading.blocks:
        if block.kind == "maths":
            yield block.line, block.content
    for spans in reading.inlines:
        for span in spans:
            is_role = span.type == "myst_role" and span.token.meta.get("name") == "math"
            if span.type in MATHS_INLINE or is_role:
                yield span.line, span.content


def unglued_numbers(text: str, path: str, extensions: Extensions = None) -> list[Problem]:
    """Numbers with a decimal point in a post's prose that are neither glued nor marked."""
    reading = read(text, extensions)
    problems = []
    for number, visible in _prose_lines(reading):
        for match in DECIMAL.finditer(visible):
            problems.append(
                Problem(
                    path,
                    number,
                    "number in prose",
                    "a computed number glued from the code ({glue:text}`name:.3f`), or a constant "
                    "of the maths marked {constant}`...`",
                    f"'{match.group(0)}' typed in: {reading.quote(number)[:80]}",
                    "Glue it from the code cell that computes it, or, if it is a constant of the "
                    f"maths or a quoted fact, write {{constant}}`{match.group(0)}`.",
                    where="post body",
                )
            )
    return problems


def _shows_python(block: Block) -> bool:
    """A code block that shows Python without running it: a fence in Python, a
    ``{code-block}``, or a block with no language (Sphinx highlights it as Python)."""
    name = directive(block.info)
    if name is not None:
        return name in CODE_DIRECTIVES
    words = block.info.split()
    return not words or words[0].lower() in PYTHON_LANGUAGES


def retyped_package_code(
    text: str,
    path: str,
    definitions: dict[str, str],
    extensions: Extensions = None,
) -> list[Problem]:
    """Non-executed code blocks that define a function or class the package already has."""
    problems = []
    for block in read(text, extensions).blocks:
        if block.kind != "code" or not _shows_python(block):
            continue
        for index, line in enumerate(block.content.splitlines()):
            match = DEFINITION.match(line)
            if not (match and match.group(1) in definitions):
                continue
            name = match.group(1)
            problems.append(
                Problem(
                    path,
                    block.line + index,
                    "code block",
                    f"the tested code included from the package: ```{{literalinclude}} "
                    f"../{definitions[name]}``` with :pyobject: {name}",
                    f"a typed copy of '{name}' from {definitions[name]}",
                    "Replace the block with that literalinclude.",
                    where="post body",
                )
            )
    return problems


def notation(
    text: str,
    path: str,
    posts: Iterable[str] = (),
    extensions: Extensions = None,
) -> list[Problem]:
    """The series' notation, one across the posts: ``^{\\top}`` for a transpose (``T`` is the
    length of a sequence), ``\\mathcal{L}`` for an example's loss (``L`` is the number of layers),
    in maths and prose; links to another post written ``[Part 3](slug.md)`` (``posts``: the
    posts' slugs), and ``{eq}`` references not wrapped in parentheses of their own."""
    reading = read(text, extensions)
    found: list[tuple[int, int, Problem]] = []  # (line, order, problem), sorted by line

    def add(line: int, problem: Problem) -> None:
        found.append((line, len(found), problem))

    for first, source in [*_maths(reading), *_prose_lines(reading)]:
        for rule in NOTATION:
            for match in rule.pattern.finditer(source):
                if BIG_OPERATOR_LIMIT.search(source[: match.start()]):
                    continue  # \\sum_{t=1}^{T}: a limit, not a transpose
                line = first + source.count("\n", 0, match.start())
                add(
                    line,
                    Problem(
                        path,
                        line,
                        rule.name,
                        rule.expected,
                        f"'{match.group(0)}' in: {reading.quote(line)[:80]}",
                        rule.fix,
                        where="notation",
                    ),
                )
    slugs = set(posts)
    for spans in reading.inlines:
        for before, span in zip([None, *spans], spans):
            if span.type == "myst_role" and span.token.meta.get("name") == "eq":
                if before is not None and before.type == "text" and before.content.endswith("("):
                    add(
                        span.line,
                        Problem(
                            path,
                            span.line,
                            "equation reference",
                            "{eq}`label` alone (it prints its own parentheses, e.g. (3.10))",
                            f"'({{eq}}`{span.content}`' …, which reads ((3.10))",
                            "Delete the parentheses around the reference.",
                            where="notation",
                        ),
                    )
            elif span.type == "link_open" and span.token.markup != "autolink":
                href = str(span.token.attrs.get("href", ""))
                slug, hash_, anchor = href.partition("#")
                if slug in slugs:
                    add(
                        span.line,
                        Problem(
                            path,
                            span.line,
                            "link to a post",
                            f"the post's file name, [...]({slug}.md{hash_}{anchor})",
                            f"'({href})' without '.md'",
                            f"Add '.md' after '{slug}'.",
                            where="notation",
                        ),
                    )
    return [problem for _, _, problem in sorted(found, key=lambda item: item[:2])]


def check_post(
    text: str,
    path: str,
    definitions: dict[str, str],
    posts: Iterable[str] = (),
    extensions: Extensions = None,
) -> list[Problem]:
    """Every content check for one post (``posts``: the slugs of the posts beside it;
    ``extensions``: the MyST extensions the site enables, or MyST's whole configuration). The
    post is parsed once; the checks share its tokens."""
    return [
        *retyped_package_code(text, path, definitions, extensions),
        *unglued_numbers(text, path, extensions),
        *notation(text, path, posts, extensions),
    ]


def check_posts(
    paths: Iterable[Path],
    root: Path,
    package_dir: Path,
    extensions: Extensions = None,
) -> list[Problem]:
    """Run :func:`check_post` over files (used by the tests and ``python -m ddl_site check``),
    with the MyST extensions of the site's ``_config.yml`` unless ``extensions`` are given."""
    definitions = package_definitions(package_dir, root)
    if extensions is None:
        extensions = site_extensions(root)
    problems = []
    for path in paths:
        problems += check_post(
            path.read_text(encoding="utf-8"),
            path.relative_to(root).as_posix(),
            definitions,
            sibling_posts(path),
            extensions,
        )
    return problems


def sibling_posts(path: Path) -> list[str]:
    """The slugs of the Markdown pages in a post's folder, itself included."""
    return sorted(p.stem for p in path.parent.glob("*.md"))
