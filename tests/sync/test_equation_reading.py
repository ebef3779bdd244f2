"""The equations, the citations and the registry as :mod:`ddl_site.sync.equations` reads them,
from text alone: never by importing a package or a registry."""

from __future__ import annotations

from ddl_site.sync import equations


def test_labelled_equations_are_read_as_myst_reads_them():
    text = (
        "---\ntitle: T\n---\n\n$$\nx = 1\n$$ (eq-a)\n\n```python\n$$\ny\n$$ (eq-code)\n```\n"
        "\n$$ z = 2 $$ (eq-b)\n\n$$\nw\n$$\n"
    )
    found = equations.labelled_equations(text, "book/t.md")
    assert [(e.label, e.line, e.latex) for e in found] == [
        ("eq-a", 5, "x = 1"),
        ("eq-b", 15, "z = 2"),
    ]


def test_citations_name_functions_methods_and_classes():
    source = (
        '"""Mentions :eq:`eq-m`."""\n\nclass K:\n    """Implements :eq:`eq-k`."""\n\n'
        '    def f(self):\n        """Implements :eq:`eq-f`\n        and :eq:`eq-g`."""\n'
    )
    found = {
        (c.label, c.qualname, c.line, c.docstring_line, c.implements)
        for c in equations.module_citations(source, "pkg.mod", "pkg/mod.py")
    }
    assert found == {
        ("eq-m", "pkg.mod", 1, 1, False),
        ("eq-k", "pkg.mod.K", 3, 4, True),
        ("eq-f", "pkg.mod.K.f", 6, 7, True),
        ("eq-g", "pkg.mod.K.f", 6, 8, True),
    }


def test_registry_is_read_without_importing_it():
    source = (
        'CHECKS = [Check("eq-a", L, "m.f", F), Check("eq-a", L, "m.g", F)]\n'
        'NOT_IN_PACKAGE = [NotInPackage("eq-b", "a derivation step")]\n'
    )
    registry = equations.registry_declarations(source, "registry.py")
    assert registry.checks == {"eq-a": [1, 1]}
    assert registry.not_implemented == {"eq-b": ("a derivation step", 2)}
    assert registry.check_line("eq-a", "m.g") == 1
