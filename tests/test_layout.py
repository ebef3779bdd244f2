"""The site extension's layout keeps its promises: wings that import only the wings below them,
no import cycle, a sync wing that knows nothing of this series, an opening docstring in every
module saying what it owns, and a map in CONTRIBUTING.md that names every module.

Imports are read with :mod:`ast` (those inside functions too), never by importing the modules.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from sitebuild import REPO

PACKAGE = REPO / "src" / "ddl_site"
WINGS = ("core", "sync", "blog", "art", "pages")
#: The wings each wing may import (besides itself). The top level (``__init__``, the command
#: line) may import any.
MAY_IMPORT = {
    "core": set(),
    "sync": {"core"},
    "blog": {"core", "sync"},
    "art": {"core", "sync", "blog"},
    "pages": {"core", "sync", "blog"},
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imported(name: str) -> set[str]:
    """The package's modules that module ``name`` imports, anywhere in its code."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            submodules = [
                f"{module}.{a.name}" for a in node.names if f"{module}.{a.name}" in MODULES
            ]
            # `from . import a, b` imports the modules a and b (their package is already loaded).
            candidates = submodules if len(submodules) == len(node.names) else [module]
        elif isinstance(node, ast.Import):
            candidates = [a.name for a in node.names]
        else:
            continue
        found |= {c for c in candidates if c in MODULES and c != name}
    return found


def wing_of(name: str) -> str | None:
    parts = name.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in WINGS else None


def test_the_layout_has_its_wings_and_every_module_is_in_one_or_at_the_top():
    top = sorted(n for n in MODULES if wing_of(n) is None)
    assert top == ["ddl_site", "ddl_site.__main__", "ddl_site.cli"]
    for wing in WINGS:
        assert (PACKAGE / wing / "__init__.py").is_file()


def test_the_top_level_only_registers_the_wings_in_order():
    tree = ast.parse((PACKAGE / "__init__.py").read_text(encoding="utf-8"))
    setup = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "setup")
    calls = [
        node.value.func.value.id
        for node in setup.body
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)
    ]
    # The order in which their event handlers run at equal priority.
    assert calls == ["core", "art", "sync", "blog", "pages"]
    assert imported("ddl_site") == {f"ddl_site.{w}" for w in WINGS}


@pytest.mark.parametrize("wing", WINGS)
def test_a_wing_imports_only_the_wings_below_it(wing):
    crossing = {
        (name, other)
        for name in MODULES
        if wing_of(name) == wing
        for other in imported(name)
        if wing_of(other) != wing
    }
    wrong = sorted(
        (name, other) for name, other in crossing if wing_of(other) not in MAY_IMPORT[wing]
    )
    assert not wrong, f"{wing} may import only {sorted(MAY_IMPORT[wing])}: {wrong}"


def test_no_module_imports_one_that_imports_it_back():
    graph = {name: imported(name) for name in MODULES}
    cycles = []

    def visit(name: str, path: list[str]) -> None:
        for other in sorted(graph[name]):
            if other in path:
                cycles.append([*path[path.index(other) :], other])
            elif other not in done:
                visit(other, [*path, other])
        done.add(name)

    done: set[str] = set()
    for name in sorted(graph):
        if name not in done:
            visit(name, [name])
    assert not cycles


def _strings(tree: ast.AST):
    """Every string constant that is not a docstring."""
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef))
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
        ):
            yield node


@pytest.mark.parametrize("name", sorted(n for n in MODULES if wing_of(n) == "sync"))
def test_the_sync_wing_knows_nothing_of_this_series(name):
    """Its package, requirements and registry come from configuration: no default names them,
    and no module imports the series' package."""
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            assert not any(a.name.split(".")[0] == "ddl" for a in node.names), name
        if isinstance(node, ast.ImportFrom) and not node.level:
            assert (node.module or "").split(".")[0] != "ddl", name
    for node in _strings(tree):
        for series in ("src/ddl", "tests/equations", "requirements.txt", "Demystifying"):
            assert series not in node.value, (name, node.lineno, node.value)


@pytest.mark.parametrize("name", sorted(MODULES))
def test_every_module_opens_by_saying_what_it_owns(name):
    docstring = ast.get_docstring(ast.parse(MODULES[name].read_text(encoding="utf-8")))
    assert docstring and len(docstring.split()) >= 5, name


def test_every_code_digest_names_a_file_of_the_package():
    """Records kept between builds are keyed on ``code_digest("<wing>/<module>.py", ...)``: a
    name that is no file would never change, and the record would outlive its code."""
    names = []
    for name, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", getattr(node.func, "attr", None)) == "code_digest"
            ):
                names += [(name, a.value) for a in node.args if isinstance(a, ast.Constant)]
    assert len(names) >= 8
    missing = [(name, file) for name, file in names if not (PACKAGE / file).is_file()]
    assert not missing


def test_contributing_maps_every_module_and_only_modules_that_exist():
    text = (REPO / "CONTRIBUTING.md").read_text(encoding="utf-8")
    start = text.index("### Where things live")
    table = text[start : text.index("\n#", start + 1)]
    named = set(re.findall(r"`((?:core|sync|blog|art|pages)/[a-z_]+\.(?:py|cjs))`", table))
    named |= {f"{m}.py" for m in re.findall(r"`(cli|__init__|__main__)\.py`", table)}
    files = {
        p.relative_to(PACKAGE).as_posix()
        for p in [*PACKAGE.rglob("*.py"), *PACKAGE.rglob("*.cjs")]
        if p.name != "__init__.py" or p.parent == PACKAGE
    }
    assert named - files == set(), "the map names files that do not exist"
    assert files - named == set(), "the map leaves these out"
