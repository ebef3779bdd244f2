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
    """Yield ``(line number, kind, text)`` for each body line: kind is ``prose`` or the
    fence's info string (``python``, ``{code-cell} ipython3``…) for lines inside a fence."""
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
            continue
        if stripped.startswith("$$"):
            in_display_math = not DISPLAY_MATH_END.search(stripped[2:])
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
                    where="post body",
                )
            )
    return problems


def check_post(text: str, path: str, definitions: dict[str, str]) -> list[Problem]:
    """Every content check for one post."""
    return [*retyped_package_code(text, path, definitions), *unglued_numbers(text, path)]


def check_posts(paths: Iterable[Path], root: Path, package_dir: Path) -> list[Problem]:
    """Run :func:`check_post` over files (used by the tests and ``python -m ddl_site check``)."""
    definitions = package_definitions(package_dir, root)
    problems = []
    for path in paths:
        problems += check_post(
            path.read_text(encoding="utf-8"), path.relative_to(root).as_posix(), definitions
        )
    return problems
