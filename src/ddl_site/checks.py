"""Checks that nothing in a post is typed that should come from the code.

Two rules, as plain functions over a post's MyST source (nothing here knows Sphinx):

* a post never shows, as a non-executed code block, a function or class that exists in the
  package: it includes the tested code instead (``literalinclude`` with ``:pyobject:``);
* a number with a decimal point in the post's prose is a computed result, so it must be glued
  from the executed code (``{glue:text}`name:.3f```). A number that is a constant of the maths
  or a fact quoted from elsewhere (``β₁ = 0.9``, "the original's F1 of 0.919") is marked
  ``{constant}`0.919``` and passes. Maths (``$…$``, ``$$…$$``), code and links are not prose.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .frontmatter import Problem

FENCE = re.compile(r"^(?P<indent>\s*)(?P<fence>`{3,}|~{3,}|:{3,})\s*(?P<info>.*)$")
PYTHON_LANGUAGES = {"python", "py", "python3", "ipython", "ipython3", "pycon"}
#: Directives whose content is not prose (code, maths, raw output) and is skipped whole.
OPAQUE_DIRECTIVES = {
    "code-cell",
    "code-block",
    "code",
    "sourcecode",
    "literalinclude",
    "math",
    "raw",
    "glue:figure",
    "glue:math",
    "mermaid",
    "csv-table",
    "list-table",
    "eval-rst",
}
DECIMAL = re.compile(r"(?<![\w.\-/#])[-−]?\d+\.\d+(?![\w.]*\w)")
INLINE_HIDDEN = [
    re.compile(r"\{[\w:.\-]+\}`[^`]*`"),  # roles, including {glue:text} and {constant}
    re.compile(r"`+[^`]*`+"),  # inline code
    re.compile(r"\$\$.*?\$\$"),  # one-line display maths
    re.compile(r"(?<![\\$])\$(?!\$)[^$]+\$"),  # inline maths
    re.compile(r"\]\([^)]*\)"),  # link targets
    re.compile(r"<!--.*?-->"),  # HTML comments
    re.compile(r"<[^>]+>"),  # HTML tags and their attributes
]
INLINE_CODE = re.compile(r"`+[^`]*`+")


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
PARENTHESISED_EQ = re.compile(r"\(\{eq\}`[^`]*`")
BIG_OPERATOR_LIMIT = re.compile(
    r"\\(?:sum|prod|int|max|min|lim|bigcup|bigcap)\s*(?:_\{[^{}]*\}|_\\?\w+)?\s*$"
)
DISPLAY_MATH_END = re.compile(r"\$\$(\s*\([\w\-:]+\))?\s*$")
OPTION_LINE = re.compile(r"^\s*:[\w\-]+:")


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


def _body_start(lines: list[str]) -> int:
    """Index of the first line after the front matter (0 if there is none)."""
    if lines and lines[0].strip() == "---":
        for index in range(1, len(lines)):
            if lines[index].strip() == "---":
                return index + 1
    return 0


def _blocks(lines: list[str]) -> Iterator[tuple[int, str, str]]:
    """Yield ``(line number, kind, text)`` for each body line: kind is ``prose``, ``maths``
    (a line of display maths) or the fence's info string (``python``, ``{code-cell} ipython3``…)
    for lines inside a fence."""
    stack: list[tuple[str, str]] = []  # (fence, info) of the open fences, innermost last
    in_display_math = False
    for index in range(_body_start(lines), len(lines)):
        line = lines[index]
        number = index + 1
        match = FENCE.match(line)
        if match and not in_display_math:
            fence, info = match["fence"], match["info"].strip()
            if (
                stack
                and fence[0] == stack[-1][0][0]
                and len(fence) >= len(stack[-1][0])
                and not info
            ):
                stack.pop()
                continue
            if not stack or _is_prose_directive(stack[-1][1]):
                stack.append((fence, info))
                continue
        if stack and not _is_prose_directive(stack[-1][1]):
            yield number, stack[-1][1], line
            continue
        stripped = line.strip()
        if in_display_math:
            in_display_math = not DISPLAY_MATH_END.search(stripped)
            yield number, "maths", line
            continue
        if stripped.startswith("$$"):
            in_display_math = not DISPLAY_MATH_END.search(stripped[2:])
            yield number, "maths", line
            continue
        if stack and OPTION_LINE.match(line):
            continue
        yield number, "prose", line


def _directive(info: str) -> str | None:
    match = re.match(r"^\{([\w:\-]+)\}", info)
    return match.group(1) if match else None


def _is_prose_directive(info: str) -> bool:
    """Admonitions, figures and the like hold prose; code, maths and plain fences do not."""
    name = _directive(info)
    return name is not None and name not in OPAQUE_DIRECTIVES


def unglued_numbers(text: str, path: str) -> list[Problem]:
    """Numbers with a decimal point in a post's prose that are neither glued nor marked."""
    problems = []
    for number, kind, line in _blocks(text.splitlines()):
        if kind != "prose":
            continue
        visible = line
        for pattern in INLINE_HIDDEN:
            visible = pattern.sub(" ", visible)
        for match in DECIMAL.finditer(visible):
            problems.append(
                Problem(
                    path,
                    number,
                    "number in prose",
                    "a computed number glued from the code ({glue:text}`name:.3f`), or a constant "
                    "of the maths marked {constant}`...`",
                    f"'{match.group(0)}' typed in: {line.strip()[:80]}",
                    "Glue it from the code cell that computes it, or, if it is a constant of the "
                    f"maths or a quoted fact, write {{constant}}`{match.group(0)}`.",
                    where="post body",
                )
            )
    return problems


def retyped_package_code(text: str, path: str, definitions: dict[str, str]) -> list[Problem]:
    """Non-executed code blocks that define a function or class the package already has."""
    problems = []
    for number, kind, line in _blocks(text.splitlines()):
        language = kind.split()[0].lower() if kind and kind != "prose" else ""
        if language not in PYTHON_LANGUAGES and _directive(kind) not in {"code-block", "code"}:
            continue
        match = re.match(r"^\s*(?:async\s+)?(?:def|class)\s+(\w+)", line)
        if match and match.group(1) in definitions:
            name = match.group(1)
            problems.append(
                Problem(
                    path,
                    number,
                    "code block",
                    f"the tested code included from the package: ```{{literalinclude}} "
                    f"../{definitions[name]}``` with :pyobject: {name}",
                    f"a typed copy of '{name}' from {definitions[name]}",
                    "Replace the block with that literalinclude.",
                    where="post body",
                )
            )
    return problems


def notation(text: str, path: str, posts: Iterable[str] = ()) -> list[Problem]:
    """The series' notation, one across the posts: ``^{\\top}`` for a transpose (``T`` is the
    length of a sequence), ``\\mathcal{L}`` for an example's loss (``L`` is the number of layers),
    links to another post written ``[Part 3](slug.md)`` (``posts``: the posts' slugs), and
    ``{eq}`` references not wrapped in parentheses of their own."""
    links = (
        re.compile(
            r"\]\((?P<slug>"
            + "|".join(re.escape(p) for p in sorted(posts, key=len, reverse=True))
            + r")(?P<anchor>#[^)]*)?\)"
        )
        if posts
        else None
    )
    problems = []
    for number, kind, line in _blocks(text.splitlines()):
        if kind not in ("prose", "maths") and _directive(kind) != "math":
            continue
        visible = INLINE_CODE.sub(" ", line)
        for rule in NOTATION:
            for match in rule.pattern.finditer(visible):
                if BIG_OPERATOR_LIMIT.search(visible[: match.start()]):
                    continue  # \\sum_{t=1}^{T}: a limit, not a transpose
                problems.append(
                    Problem(
                        path,
                        number,
                        rule.name,
                        rule.expected,
                        f"'{match.group(0)}' in: {line.strip()[:80]}",
                        rule.fix,
                        where="notation",
                    )
                )
        if kind == "prose":
            for match in PARENTHESISED_EQ.finditer(line):
                problems.append(
                    Problem(
                        path,
                        number,
                        "equation reference",
                        "{eq}`label` alone (it prints its own parentheses, e.g. (3.10))",
                        f"'{match.group(0)}' …, which reads ((3.10))",
                        "Delete the parentheses around the reference.",
                        where="notation",
                    )
                )
        if links is not None and kind == "prose":
            for match in links.finditer(visible):
                problems.append(
                    Problem(
                        path,
                        number,
                        "link to a post",
                        f"the post's file name, [...]({match['slug']}.md{match['anchor'] or ''})",
                        f"'{match.group(0)[1:]}' without '.md'",
                        f"Add '.md' after '{match['slug']}'.",
                        where="notation",
                    )
                )
    return problems


def check_post(
    text: str, path: str, definitions: dict[str, str], posts: Iterable[str] = ()
) -> list[Problem]:
    """Every content check for one post (``posts``: the slugs of the posts beside it)."""
    return [
        *retyped_package_code(text, path, definitions),
        *unglued_numbers(text, path),
        *notation(text, path, posts),
    ]


def check_posts(paths: Iterable[Path], root: Path, package_dir: Path) -> list[Problem]:
    """Run :func:`check_post` over files (used by the tests and ``python -m ddl_site check``)."""
    definitions = package_definitions(package_dir, root)
    problems = []
    for path in paths:
        problems += check_post(
            path.read_text(encoding="utf-8"),
            path.relative_to(root).as_posix(),
            definitions,
            sibling_posts(path),
        )
    return problems


def sibling_posts(path: Path) -> list[str]:
    """The slugs of the Markdown pages in a post's folder, itself included."""
    return sorted(p.stem for p in path.parent.glob("*.md"))
