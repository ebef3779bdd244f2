"""Which labelled equation of the posts is implemented by which function of the package.

Plain functions over files and text; nothing here knows Sphinx. Three sources, one join:

* the posts: every labelled display equation ``$$ ... $$ (eq-<label>)``, read with the same
  Markdown parser (and extensions) MyST uses, with its file, line and LaTeX as written
  (:func:`labelled_equations`);
* the package: every ``:eq:`eq-<label>``` in a docstring, found with :mod:`ast` (never by
  importing it), with the qualified name of the function, method or class whose docstring
  cites it, its file and the line of its ``def``/``class`` (:func:`package_citations`). A
  citation in a *module* docstring is a mention, not an implementation;
* the equation registry (a Python file the site names, ``ddl_equation_registry``; this series'
  is ``tests/equations/registry.py``), which holds a check for every
  implemented equation (``Check("eq-<label>", ...)``) and declares, with a reason, the
  labelled equations the package does not implement (``NotInPackage("eq-<label>",
  "why")``); read here with :mod:`ast` for the labels and their lines
  (:func:`registry_declarations`).

:func:`join` puts them together (one :class:`Entry` per labelled equation) and
:func:`problems` says what is inconsistent, as :class:`~ddl_site.core.problems.Problem` values.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..core.problems import Problem

#: ``:eq:`eq-x``` cites an equation; a label named any other way (``eq-x`` in a module's list of
#: the equations it covers, say) is a mention: it must exist too, but implements nothing.
CITATION = re.compile(
    r":eq:`(?P<label>[^`]+)`|(?<![\w`:-])`{0,2}(?P<mention>eq-[a-z0-9][a-z0-9-]*)"
)
#: The registry's constructors whose first argument is a label.
CHECK_CALL = "Check"
NOT_IMPLEMENTED_CALL = "NotInPackage"


@dataclass(frozen=True)
class Equation:
    """A labelled display equation of a post."""

    label: str
    path: str  # the post, relative to the repository
    line: int  # of the opening ``$$``
    latex: str  # between the ``$$``, stripped, as written


@dataclass(frozen=True)
class Citation:
    """A docstring naming an equation."""

    label: str
    qualname: str  # ddl.activations.sigmoid, ddl.layers.Dense.backward; the module for a module
    path: str  # relative to the repository
    line: int  # of the ``def``/``class`` (1 for a module docstring)
    docstring_line: int  # where the citation is
    kind: str  # "function", "class" or "module"
    role: bool = True  # cited with :eq:, not merely mentioned

    @property
    def implements(self) -> bool:
        return self.kind != "module" and self.role


@dataclass(frozen=True)
class Registry:
    """What the registry file declares: label -> line of each check / each not-implemented."""

    path: str
    checks: dict[str, list[int]] = field(default_factory=dict)
    not_implemented: dict[str, tuple[str, int]] = field(default_factory=dict)  # reason, line
    check_of: dict[tuple[str, str], int] = field(default_factory=dict)  # (label, function)

    def check_line(self, label: str, function: str) -> int | None:
        """The line of the check of ``function`` against ``label`` (else the label's first)."""
        line = self.check_of.get((label, function))
        return line or (self.checks.get(label) or [None])[0]


@dataclass(frozen=True)
class Entry:
    """One labelled equation with everything known about it."""

    equation: Equation
    implementations: tuple[Citation, ...]  # function and class docstrings citing it
    check_lines: tuple[int, ...]  # lines of its checks in the registry
    not_implemented: str | None  # the declared reason, if any

    @property
    def label(self) -> str:
        return self.equation.label


# -- the posts -------------------------------------------------------------------------------


def _parser():
    from markdown_it.renderer import RendererHTML
    from myst_parser.config.main import MdParserConfig
    from myst_parser.parsers.mdit import create_md_parser

    config = MdParserConfig(enable_extensions={"dollarmath", "amsmath", "colon_fence"})
    return create_md_parser(config, RendererHTML)


def labelled_equations(text: str, path: str) -> list[Equation]:
    """Every ``$$ ... $$ (label)`` of a MyST Markdown page, in order (not in code)."""
    found = []
    for token in _parser().parse(text):
        if token.type == "math_block_label" and token.map:
            found.append(
                Equation(token.info.strip(), path, token.map[0] + 1, token.content.strip())
            )
    return found


def equations_of(paths: Iterable[Path], root: Path) -> list[Equation]:
    """:func:`labelled_equations` of several files (``path`` relative to ``root``)."""
    found = []
    for path in paths:
        found += labelled_equations(
            path.read_text(encoding="utf-8"), path.relative_to(root).as_posix()
        )
    return found


# -- the package -----------------------------------------------------------------------------


def _docstring_citations(node, qualname: str, path: str, kind: str) -> list[Citation]:
    doc = ast.get_docstring(node, clean=False)
    if not doc:
        return []
    first = node.body[0]
    start = first.lineno  # the docstring's first line
    line_of = node.lineno if kind != "module" else 1
    found = []
    for match in CITATION.finditer(doc):
        docline = start + doc.count("\n", 0, match.start())
        label = match["label"] or match["mention"]
        found.append(
            Citation(label, qualname, path, line_of, docline, kind, role=bool(match["label"]))
        )
    return found


def module_citations(source: str, module: str, path: str) -> list[Citation]:
    """Citations in one module's docstrings (module, classes, functions, methods)."""
    tree = ast.parse(source, filename=path)
    found = _docstring_citations(tree, module, path, "module")

    def visit(body, prefix: str) -> None:
        for node in body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                qualname = f"{prefix}.{node.name}"
                kind = "class" if isinstance(node, ast.ClassDef) else "function"
                found.extend(_docstring_citations(node, qualname, path, kind))
                visit(node.body, qualname)

    visit(tree.body, module)
    return found


def package_citations(package_dir: Path, root: Path) -> list[Citation]:
    """Every ``:eq:`` citation in the docstrings of a package's modules."""
    found = []
    for path in sorted(package_dir.rglob("*.py")):
        parts = list(path.relative_to(package_dir.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found += module_citations(
            path.read_text(encoding="utf-8"), ".".join(parts), path.relative_to(root).as_posix()
        )
    return found


# -- the registry ----------------------------------------------------------------------------


def registry_declarations(source: str, path: str) -> Registry:
    """The labels the registry checks or declares not implemented, with their lines."""
    registry = Registry(path)
    for node in ast.walk(ast.parse(source, filename=path)):
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            continue
        label = node.args[0].value
        if node.func.id == CHECK_CALL:
            registry.checks.setdefault(label, []).append(node.lineno)
            if len(node.args) > 2 and isinstance(node.args[2], ast.Constant):
                registry.check_of[(label, str(node.args[2].value))] = node.lineno
        elif node.func.id == NOT_IMPLEMENTED_CALL:
            reason = (
                node.args[1].value
                if len(node.args) > 1 and isinstance(node.args[1], ast.Constant)
                else ""
            )
            registry.not_implemented[label] = (str(reason), node.lineno)
    for lines in registry.checks.values():
        lines.sort()
    return registry


def read_registry(root: Path, path: str) -> Registry:
    file = root / path
    if not file.is_file():
        return Registry(path)
    return registry_declarations(file.read_text(encoding="utf-8"), path)


# -- the join --------------------------------------------------------------------------------


def join(equations: list[Equation], citations: list[Citation], registry: Registry) -> list[Entry]:
    """One entry per labelled equation, in the order given (the first of a repeated label)."""
    entries, seen = [], set()
    for equation in equations:
        if equation.label in seen:
            continue
        seen.add(equation.label)
        implementations = tuple(c for c in citations if c.label == equation.label and c.implements)
        reason = registry.not_implemented.get(equation.label)
        entries.append(
            Entry(
                equation,
                implementations,
                tuple(registry.checks.get(equation.label, ())),
                reason[0] if reason else None,
            )
        )
    return entries


def problems(
    equations: list[Equation], citations: list[Citation], registry: Registry
) -> list[Problem]:
    """Everything that keeps posts, package and registry from agreeing."""
    found: list[Problem] = []
    first: dict[str, Equation] = {}
    for equation in equations:
        if equation.label in first:
            other = first[equation.label]
            found.append(
                Problem(
                    equation.path,
                    equation.line,
                    equation.label,
                    "a label used by one equation only",
                    f"the label of {other.path}:{other.line} too",
                    where="equation label",
                )
            )
        else:
            first.setdefault(equation.label, equation)
    for entry in join(equations, citations, registry):
        eq = entry.equation
        if not entry.implementations and entry.not_implemented is None:
            found.append(
                Problem(
                    eq.path,
                    eq.line,
                    eq.label,
                    f"a function whose docstring says 'Implements :eq:`{eq.label}`', or the label "
                    f'declared in {registry.path} as NotInPackage({eq.label!r}, "<reason>")',
                    "neither",
                    where="equation",
                )
            )
        if entry.implementations and entry.not_implemented is not None:
            names = ", ".join(c.qualname for c in entry.implementations)
            found.append(
                Problem(
                    registry.path,
                    registry.not_implemented[eq.label][1],
                    eq.label,
                    "a label declared not implemented to have no implementation",
                    f"implemented by {names}",
                    where="equation",
                )
            )
        if entry.implementations and not entry.check_lines:
            names = ", ".join(c.qualname for c in entry.implementations)
            found.append(
                Problem(
                    eq.path,
                    eq.line,
                    eq.label,
                    f"a Check({eq.label!r}, ...) in {registry.path} testing {names} against it",
                    "no check",
                    where="equation",
                )
            )
    labels = set(first)
    for citation in citations:
        if citation.label not in labels:
            found.append(
                Problem(
                    citation.path,
                    citation.docstring_line,
                    citation.label,
                    "the label of a displayed equation in a post ($$ ... $$ (label))",
                    f"no post has it (cited by {citation.qualname})",
                    where="docstring citation",
                )
            )
    for label, lines in registry.checks.items():
        if label not in labels:
            found.append(
                Problem(
                    registry.path,
                    lines[0],
                    label,
                    "the label of an equation in a post",
                    "no post has it",
                    where="registry check",
                )
            )
    for label, (_, line) in registry.not_implemented.items():
        if label not in labels:
            found.append(
                Problem(
                    registry.path,
                    line,
                    label,
                    "the label of an equation in a post",
                    "no post has it",
                    where="registry declaration",
                )
            )
    return found


# -- links -----------------------------------------------------------------------------------


def source_url(repository: str, branch: str, path: str, line: int | None = None) -> str:
    """The file on the repository's web page, at a line: ``<repo>/blob/<branch>/<path>#L<n>``."""
    url = f"{repository.rstrip('/')}/blob/{branch}/{path}"
    return f"{url}#L{line}" if line else url
