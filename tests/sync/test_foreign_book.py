"""The sync wing serves any book, not only this series: a tiny Sphinx project of its own, with
its own package and its own equation registry, loads ``myst_nb`` and ``ddl_site.sync`` alone.
Its posts re-execute exactly when a module they import changes, and the equation its
package's docstring cites shows the "Implemented by" line with the registry's check.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from tinysite import write

# A package that is not this series': two modules, one per post, and a third no post imports.
ORBITS = {
    "orbits/__init__.py": '"""Orbits, for a book about satellites."""\n',
    "orbits/speed.py": '''\
        """How fast a body circles another."""

        import math


        def circular_speed(gm, r):
            """The speed of a circular orbit of radius ``r``.

            Implements :eq:`eq-circular-speed`.
            """
            return math.sqrt(gm / r)
        ''',
    "orbits/period.py": "PERIOD_FACTOR = 2\n",
    "orbits/unused.py": "NOTHING = 0\n",
}
#: The book's own registry: a check for the equation, at a line the page refers to.
REGISTRY = """\
# Checks of the book's equations against the package.
CHECKS = [
    Check("eq-circular-speed", "v = \\\\sqrt{GM / r}", "orbits.speed.circular_speed"),
]
"""
HEADER = """\
---
jupytext:
  text_representation:
    format_name: myst
kernelspec:
  name: python3
  display_name: Python 3
---
"""


def post(name: str, title: str, prose: str, code: str) -> str:
    return (
        f"{HEADER}# {title}\n\n{prose}\n\n```{{code-cell}} python\n{code}\n"
        f'with open("../executions.log", "a") as log:\n    print("{name}", file=log)\n```\n'
    )


POSTS = {
    "posts/speed.md": post(
        "speed",
        "Circular speed",
        "A satellite on a circular orbit moves at\n\n"
        "$$\nv = \\sqrt{GM / r}\n$$ (eq-circular-speed)\n\nas {eq}`eq-circular-speed` says.",
        "from orbits.speed import circular_speed\n\nprint(round(circular_speed(4.0, 1.0), 3))",
    ),
    "posts/period.md": post(
        "period",
        "Period",
        "Going round takes a while.",
        "from orbits.period import PERIOD_FACTOR\n\nprint(PERIOD_FACTOR)",
    ),
}
CONF = """\
project = "Satellites"
extensions = ["myst_nb", "ddl_site.sync"]
exclude_patterns = ["_build", "orbits", "checks", "*.log", "*.txt"]
myst_enable_extensions = ["dollarmath", "amsmath"]
nb_execution_mode = "cache"
nb_execution_cache_path = {cache!r}
nb_execution_raise_on_error = True
ddl_execution_packages = {{"orbits": "orbits"}}
ddl_execution_requirements = ["requirements.txt"]
ddl_equation_registry = "checks/registry.py"
"""
IMPORT_SYNC_ALONE = (
    "import sys, ddl_site.sync, ddl_site.sync.equation_links\n"
    "print(sorted(m for m in sys.modules if m.split('.')[0] == 'ddl'"
    " or m.split('.')[:2] in (['ddl_site', 'blog'], ['ddl_site', 'pages'], ['ddl_site', 'art'])))"
)
INDEX = "# Satellites\n\n```{toctree}\nposts/speed\nposts/period\n```\n"


class ForeignBook:
    def __init__(self, root: Path):
        self.source = root / "book"
        self.out = root / "out"
        write(
            self.source,
            {
                **ORBITS,
                **POSTS,
                "checks/registry.py": REGISTRY,
                "conf.py": CONF.format(cache=str(root / "jupyter_cache")),
                "index.md": INDEX,
                "requirements.txt": "numpy\n",
            },
        )

    def build(self) -> tuple[subprocess.CompletedProcess, list[str]]:
        """Build with Sphinx (warnings fail it); return the run and the posts executed."""
        log = self.source / "executions.log"
        log.unlink(missing_ok=True)
        env = {
            **os.environ,
            # The book's package first, then whatever the run was given (a checkout's src/).
            "PYTHONPATH": os.pathsep.join(
                [str(self.source), *filter(None, [os.environ.get("PYTHONPATH")])]
            ),
            "PYTHONHASHSEED": "0",
            "NO_COLOR": "1",
        }
        command = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-b", "html"]
        run = subprocess.run(
            [*command, str(self.source), str(self.out)],
            capture_output=True,
            text=True,
            env=env,
            cwd=self.source,
        )
        assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
        executed = sorted(log.read_text().split()) if log.exists() else []
        return run, executed

    def page(self, name: str) -> BeautifulSoup:
        return BeautifulSoup((self.out / f"{name}.html").read_text(), "html.parser")


@pytest.mark.site
def test_a_foreign_book_gets_precise_re_execution_and_equation_links(tmp_path):
    book = ForeignBook(tmp_path)
    loaded = subprocess.run(
        [sys.executable, "-c", IMPORT_SYNC_ALONE],
        capture_output=True,
        text=True,
        check=True,
    )
    # The wing imports neither this series' package nor the other wings.
    assert loaded.stdout.strip() == "[]"

    run, executed = book.build()
    assert executed == ["period", "speed"]

    # The equation cited by the package's docstring: its function, and the registry's check.
    lines = book.page("posts/speed").select("p.ddl-equation-source")
    assert [" ".join(p.get_text().split()) for p in lines] == [
        "Implemented by orbits.speed.circular_speed (checked by test)."
    ]
    assert "2.0" in book.page("posts/speed").get_text()  # sqrt(4 / 1), printed by the post

    # Nothing changed: nothing executes.
    _, executed = book.build()
    assert executed == []

    # A module only the second post imports: that post alone executes again, and says why.
    (book.source / "orbits/period.py").write_text("PERIOD_FACTOR = 3\n")
    run, executed = book.build()
    assert executed == ["period"]
    assert re.search(
        r"^posts/period\.md: re-executing, orbits/period\.py changed", run.stdout, re.MULTILINE
    )
    assert "3" in [p.get_text().strip() for p in book.page("posts/period").select("pre")]

    # A module no post imports: nothing executes.
    (book.source / "orbits/unused.py").write_text("NOTHING = 1\n")
    _, executed = book.build()
    assert executed == []
