"""Every labelled equation of the posts agrees with the function that implements it.

The registry (``registry.py``) holds one check per implementation; these tests run them,
check that posts, docstrings and registry name the same labels, and show that changing
either side alone (the post's LaTeX, or the package's function) makes a check fail.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import re
from pathlib import Path

import checking
import numpy as np
import pytest
import registry
import yaml
from checking import Check, Sympy, failures

from ddl_site.sync import equations
from sitebuild import REPO

POSTS = sorted((REPO / "book").glob("*.md"))
EQUATIONS = equations.equations_of(POSTS, REPO)
LATEX_OF = {eq.label: eq.latex for eq in EQUATIONS}
CITATIONS = equations.package_citations(REPO / "src" / "ddl", REPO)
CHECKS = {f"{c.label}:{c.function}": c for c in registry.CHECKS}


def _declared() -> equations.Registry:
    # The registry the site links each check to: this file's neighbour, named in _config.yml.
    config = yaml.safe_load((REPO / "_config.yml").read_text(encoding="utf-8"))
    path = config["sphinx"]["config"]["ddl_equation_registry"]
    assert (REPO / path).resolve() == Path(registry.__file__).resolve()
    return equations.read_registry(REPO, path)


def test_posts_docstrings_and_registry_agree():
    problems = equations.problems(EQUATIONS, CITATIONS, _declared())
    assert not problems, "\n".join(str(p) for p in problems)


def test_every_implementation_is_checked():
    """Each function citing a label in its docstring has a check of its own."""
    labels = set(LATEX_OF)
    checked = {(c.label, c.function) for c in registry.CHECKS}
    missing = sorted(
        {(c.label, c.qualname) for c in CITATIONS if c.implements and c.label in labels} - checked
    )
    assert not missing, f"no Check for: {missing}"


def test_every_check_names_a_function_citing_its_label():
    cited = {(c.label, c.qualname) for c in CITATIONS if c.implements}
    wrong = [(c.label, c.function) for c in registry.CHECKS if (c.label, c.function) not in cited]
    assert not wrong, f"the docstring of the function does not cite the label: {wrong}"


def test_registry_file_lines_match_the_checks():
    """The site links each equation to its check by reading the file; both see the same."""
    declared = _declared()
    assert sorted(declared.checks) == sorted({c.label for c in registry.CHECKS})
    assert sorted(declared.not_implemented) == sorted(n.label for n in registry.NOT_IN_PACKAGE)


@pytest.mark.parametrize("key", sorted(CHECKS))
def test_equation_matches_function(key: str):
    check = CHECKS[key]
    problems = failures(check, LATEX_OF.get(check.label))
    assert not problems, "\n".join(problems)


# -- either side alone -----------------------------------------------------------------------


def _perturbed_latex(latex: str) -> str:
    """The equation with ``+ 1`` added to its last side (before the sentence's punctuation)."""
    return re.sub(r"(?=[\s.,]*$)", " + 1", latex, count=1)


@pytest.mark.parametrize("key", sorted(CHECKS))
def test_a_changed_post_fails_its_check(key: str):
    """The post's LaTeX changed, the registry not: the check fails."""
    check = CHECKS[key]
    assert any(
        "the post's LaTeX changed" in p for p in failures(check, _perturbed_latex(check.latex))
    )


SYMPY_CHECKS = sorted(k for k, c in CHECKS.items() if isinstance(c.formula, Sympy))


@pytest.mark.parametrize("key", SYMPY_CHECKS)
def test_a_changed_formula_fails_even_with_the_registry_updated(key: str):
    """Post and registry changed together to a wrong formula: parsed, it disagrees."""
    check = CHECKS[key]
    changed = Check(**{**check.__dict__, "latex": _perturbed_latex(check.latex)})
    problems = failures(changed, changed.latex)
    assert problems and all("disagrees with the equation" in p for p in problems)


def _perturb(value):
    if isinstance(value, np.ndarray) and value.dtype.kind == "f":
        return value * 1.001 + 1e-3
    if isinstance(value, float):
        return value * 1.001 + 1e-3
    if isinstance(value, tuple):
        return tuple(_perturb(v) for v in value)
    if isinstance(value, list):
        return [_perturb(v) for v in value]
    if isinstance(value, int) and not isinstance(value, bool):
        return value + 1
    _perturb_in_place([value])  # an object (a graph node): its arrays
    return value


def _perturb_in_place(values, seen=None) -> None:
    """Nudge every float array reachable from ``values`` (through lists, dicts, objects)."""
    seen = set() if seen is None else seen
    for value in values:
        if id(value) in seen:
            continue
        seen.add(id(value))
        if isinstance(value, np.ndarray) and value.dtype.kind == "f" and value.flags.writeable:
            value *= 1.001
            value += 1e-3
        elif isinstance(value, (list, tuple)):
            _perturb_in_place(value, seen)
        elif isinstance(value, dict):
            _perturb_in_place(value.values(), seen)
        elif hasattr(value, "__dict__") and not callable(value):
            _perturb_in_place(vars(value).values(), seen)


def _wrong(function):
    """The function, changed: what it returns, and every array it can reach, are nudged."""

    @functools.wraps(function)
    def changed(*args, **kwargs):
        result = function(*args, **kwargs)
        _perturb_in_place([*args, *kwargs.values()])
        return _perturb(result)

    return changed


#: For a check whose function is a class: the methods that do its work.
CLASS_METHODS = ("forward", "backward", "step_forward", "_update", "__call__")


def _break(monkeypatch: pytest.MonkeyPatch, qualname: str) -> None:
    target = checking.resolve(qualname)
    owner_name, _, name = qualname.rpartition(".")
    owner = checking.resolve(owner_name)
    methods = [m for m in CLASS_METHODS if isinstance(target, type) and m in vars(target)]
    if isinstance(target, type) and not methods and dataclasses.is_dataclass(target):
        # Records of functions (an Activation): change the records the module holds.
        for container in vars(inspect.getmodule(target)).values():
            if isinstance(container, dict):
                for key, record in container.items():
                    if isinstance(record, target):
                        changed = {
                            f.name: _wrong(getattr(record, f.name))
                            for f in dataclasses.fields(record)
                            if callable(getattr(record, f.name))
                        }
                        monkeypatch.setitem(container, key, dataclasses.replace(record, **changed))
    elif isinstance(target, type):
        assert methods, f"{qualname}: none of {CLASS_METHODS} to change"
        for method in methods:
            monkeypatch.setattr(target, method, _wrong(vars(target)[method]))
    else:
        monkeypatch.setattr(owner, name, _wrong(target))
        # Modules that imported it by name (``from .activations import sigmoid``) keep theirs.


@pytest.mark.parametrize("key", sorted(CHECKS))
def test_a_changed_function_fails_its_check(key: str, monkeypatch: pytest.MonkeyPatch):
    """The package's function changed, the post not: the check fails."""
    check = CHECKS[key]
    _break(monkeypatch, check.function)
    problems = failures(check, check.latex)
    assert problems and all("disagrees with the equation" in p for p in problems)


def _with_leading_axis(value):
    """The same numbers under one more axis of length 1: they broadcast back, unchanged."""
    if isinstance(value, (tuple, list)):
        return type(value)(_with_leading_axis(v) for v in value)
    return np.asarray(value)[np.newaxis]


@pytest.mark.parametrize("key", sorted(CHECKS))
def test_a_result_of_the_wrong_shape_fails_its_check(key: str):
    """The right numbers in the wrong shape ((1, m) for (m,), (1,) for a scalar) are wrong."""
    check = CHECKS[key]
    reshaped = Check(**{**check.__dict__, "call": lambda i: _with_leading_axis(check.call(i))})
    problems = failures(reshaped, reshaped.latex)
    assert problems and all("shape" in p for p in problems)


@pytest.mark.parametrize(
    ("expected", "actual"),
    [
        (np.ones((1, 4)), np.ones(4)),
        (np.ones(4), np.ones((4, 1))),
        (np.ones((3, 4)), np.ones((4, 3))),
        (2.0, np.array([2.0])),
        ((np.ones(3), 1.0), (np.ones(3), np.ones((1, 1)))),
    ],
)
def test_agree_rejects_equal_numbers_in_another_shape(expected, actual):
    assert "shape" in checking.agree(expected, actual)


def test_agree_accepts_a_number_for_a_zero_dimensional_array():
    assert checking.agree(np.float64(2.0), np.array(2.0)) is None
    assert checking.agree(2.0, 2) is None


def test_parsed_formulas_are_read_from_the_latex():
    """The sympy side is really the post's formula, not a copy of the function."""
    sigmoid = CHECKS["eq-sigmoid:ddl.activations.sigmoid"]
    (expr,) = checking.parsed_sides(sigmoid)
    z = checking.sympy.Symbol("z")
    assert checking.sympy.simplify(expr - 1 / (1 + checking.sympy.exp(-z))) == 0


def test_a_docstring_citing_an_unknown_label_is_a_problem(tmp_path: Path):
    (tmp_path / "ddl").mkdir()
    (tmp_path / "ddl" / "m.py").write_text('def f():\n    """Implements :eq:`eq-nope`."""\n')
    citations = equations.package_citations(tmp_path / "ddl", tmp_path)
    found = equations.problems(EQUATIONS, citations, _declared())
    assert any(p.field == "eq-nope" and p.where == "docstring citation" for p in found)


def test_an_equation_neither_implemented_nor_declared_is_a_problem():
    extra = equations.labelled_equations("$$\nx = 1\n$$ (eq-new-thing)\n", "book/new.md")
    found = equations.problems(EQUATIONS + extra, CITATIONS, _declared())
    assert [p.field for p in found if p.path == "book/new.md"] == ["eq-new-thing"]


def test_a_label_a_docstring_only_mentions_must_exist_but_implements_nothing(tmp_path: Path):
    (tmp_path / "ddl").mkdir()
    (tmp_path / "ddl" / "m.py").write_text(
        '"""Equation labels: ``eq-sigmoid``, ``eq-gone``."""\n\n'
        'def f():\n    """The derivative of eq-sigmoid, not eq-sigmoid itself."""\n'
    )
    citations = equations.package_citations(tmp_path / "ddl", tmp_path)
    assert sorted((c.label, c.implements) for c in citations) == [
        ("eq-gone", False),
        ("eq-sigmoid", False),
        ("eq-sigmoid", False),
        ("eq-sigmoid", False),
    ]
    found = equations.problems(EQUATIONS, citations, _declared())
    assert [p.field for p in found if p.where == "docstring citation"] == ["eq-gone"]
