"""How an equation of a post is checked against the function of the package that implements it.

A :class:`Check` (written in ``registry.py``) holds

* ``latex``: the equation **exactly as the post writes it** (between the ``$$``). The post's
  text must equal it, so a post changed without its check fails;
* the formula on the maths side, one of
  - :class:`Sympy`: parsed from that LaTeX by sympy (``parse_latex``, antlr backend), after a
    few textual rewrites the check lists (``\\hat{y}`` → ``y_{h}``, ``^{(i)}`` dropped...).
    Every side of the equation it names (by default all but the first) is evaluated;
  - :class:`Numpy`: an executable numpy expression kept next to the LaTeX, for what sympy
    cannot read (matrices, cases, loops over windows);
* ``inputs(rng)``: random float64 inputs from a ``numpy.random.Generator``, by name;
* ``call(inputs)``: calls the package's function ``function`` (a qualified name, which must
  be one that cites the label in its docstring) and returns what the formula gives.

:func:`failures` compares the two on several random draws and says what disagrees, so that
a test (and a test that mutates one side) can assert on it.
"""

from __future__ import annotations

import copy
import functools
import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sympy
from sympy.parsing.latex import parse_latex

DRAWS = 5
RTOL, ATOL = 1e-9, 1e-12

#: Rewrites every sympy-parsed equation gets before parsing (the check may add its own).
COMMON_REWRITES: tuple[tuple[str, str], ...] = (
    (r"\!", ""),
    (r"\,", " "),
    (r"\;", " "),
    (r"\quad", " "),
    ("^{(i)}", ""),  # per-example superscripts: the arrays hold every example
)


class colsum(sympy.Function):
    """A sum over examples (a ``\\sum`` in the LaTeX), evaluated by numpy over the rows."""


@dataclass(frozen=True)
class Sympy:
    """Parse the equation's LaTeX and evaluate the chosen sides with numpy."""

    sides: tuple[int, ...] | None = None  # which sides of the ``=`` chain; default all but 0
    rewrites: tuple[tuple[str, str], ...] = ()
    functions: dict[str, Callable] = field(default_factory=dict)  # LaTeX function -> numpy
    sum_axis: int | None = None  # the axis a \sum runs over (None: everything)


@dataclass(frozen=True)
class Numpy:
    """An executable expression of the equation: ``expression(inputs) -> value``."""

    expression: Callable[[dict[str, Any]], Any]


@dataclass(frozen=True)
class Check:
    label: str
    latex: str
    function: str  # qualified name of the implementation, e.g. "ddl.activations.sigmoid"
    formula: Sympy | Numpy
    inputs: Callable[[np.random.Generator], dict[str, Any]]
    call: Callable[[dict[str, Any]], Any]
    note: str = ""


@dataclass(frozen=True)
class NotInPackage:
    """A labelled equation the package does not implement (a derivation step, a definition,
    a property), with the reason."""

    label: str
    reason: str


# -- the sympy side --------------------------------------------------------------------------


def split_sides(latex: str) -> list[str]:
    """The sides of an ``a = b = c`` chain (``=`` at brace depth 0 only)."""
    sides, depth, start = [], 0, 0
    for i, char in enumerate(latex):
        depth += char == "{"
        depth -= char == "}"
        if char == "=" and depth == 0:
            sides.append(latex[start:i])
            start = i + 1
    sides.append(latex[start:])
    return [s.strip() for s in sides]


def prepare(latex: str, rewrites: tuple[tuple[str, str], ...]) -> str:
    text = latex.strip()
    for old, new in (*rewrites, *COMMON_REWRITES):
        text = text.replace(old, new)
    text = re.sub(r"\\(left|right)(?![a-zA-Z])", "", text)  # sizes of delimiters
    return re.sub(r"[\s.,]+$", "", text)  # the sentence's punctuation


def parsed_sides(check: Check, latex: str | None = None) -> list[sympy.Expr]:
    """The sides of the equation the check evaluates, as sympy expressions."""
    formula = check.formula
    assert isinstance(formula, Sympy)
    sides = split_sides(prepare(check.latex if latex is None else latex, formula.rewrites))
    chosen = formula.sides if formula.sides is not None else range(1, len(sides))
    return [_parse(sides[index]) for index in chosen]


@functools.cache
def _parse(latex: str) -> sympy.Expr:
    expr = parse_latex(latex)
    expr = expr.subs(sympy.Symbol("e"), sympy.E)  # e is Euler's number
    return expr.replace(lambda e: isinstance(e, sympy.Sum), lambda e: colsum(e.function))


def evaluate_sympy(check: Check, inputs: dict[str, Any], latex: str | None = None) -> list:
    formula = check.formula
    axis = formula.sum_axis
    modules = [
        {"colsum": lambda x: np.sum(x, axis=axis, keepdims=axis is not None), **formula.functions},
        "numpy",
    ]
    values = []
    for expr in parsed_sides(check, latex):
        names = sorted(expr.free_symbols, key=str)
        missing = [str(s) for s in names if str(s) not in inputs]
        if missing:
            raise KeyError(
                f"{check.label}: the parsed formula {expr} uses {missing}, which the "
                f"check's inputs do not give (it has {sorted(inputs)})"
            )
        f = sympy.lambdify(names, expr, modules=modules)
        values.append(f(*[inputs[str(s)] for s in names]))
    return values


# -- comparing -------------------------------------------------------------------------------


def _flat(value) -> list[np.ndarray]:
    if isinstance(value, (tuple, list)):
        return [a for v in value for a in _flat(v)]
    return [np.asarray(value, dtype=np.float64)]


def agree(expected, actual, rtol=RTOL, atol=ATOL) -> str | None:
    """None when the two values (arrays, numbers or tuples of them) agree, else why not."""
    e, a = _flat(expected), _flat(actual)
    if len(e) != len(a):
        return f"{len(e)} value(s) expected, {len(a)} returned"
    for i, (x, y) in enumerate(zip(e, a)):
        if x.shape != y.shape:  # no broadcasting: a (n, 1) result where (n,) is due is wrong
            return f"value {i}: the formula gives shape {x.shape}, the function {y.shape}"
        if not np.allclose(x, y, rtol=rtol, atol=atol):
            worst = float(np.max(np.abs(x - y)))
            return (
                f"value {i}: the formula gives {x.ravel()[:4]}..., the function "
                f"{y.ravel()[:4]}... (largest difference {worst:.3g})"
            )
    return None


def resolve(qualname: str):
    """The object a qualified name names: a module attribute, possibly nested (Class.method)."""
    parts = qualname.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for name in parts[cut:]:
            obj = getattr(obj, name)
        return obj
    raise ImportError(qualname)


def failures(check: Check, post_latex: str | None, seed: int = 0) -> list[str]:
    """Why the post, the registry and the function do not agree (empty when they do).

    ``post_latex`` is the equation as the post writes it (None: the post has no such label).
    """
    found = []
    if post_latex is None:
        return [f"{check.label}: no post has this label"]
    if post_latex != check.latex:
        found.append(
            f"{check.label}: the post's LaTeX changed; the registry has\n"
            f"    {check.latex!r}\n  the post has\n    {post_latex!r}\n"
            f"  update the check (and its formula) together with the post"
        )
    rng = np.random.default_rng(seed)
    for draw in range(DRAWS):
        inputs = check.inputs(rng)
        if isinstance(check.formula, Sympy):
            expected_sides = evaluate_sympy(check, copy.deepcopy(inputs))
        else:
            expected_sides = [check.formula.expression(copy.deepcopy(inputs))]
        actual = check.call(copy.deepcopy(inputs))
        for side, expected in enumerate(expected_sides):
            why = agree(expected, actual)
            if why:
                found.append(
                    f"{check.label} (draw {draw}, side {side + 1}): {check.function} "
                    f"disagrees with the equation: {why}"
                )
        if found:
            break
    return found
