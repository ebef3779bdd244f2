"""A tiny site in a temporary folder whose posts import ``tinypkg`` from the same folder: the
real site's configuration, posts that log each execution, and builds that say which posts
executed and why (used by the tests of precise re-execution and of claims)."""

from __future__ import annotations

import os
import re
import textwrap
from pathlib import Path

import pytest
import yaml

from sitebuild import REPO, Build, build_book


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root


TINY = {
    "tinypkg/__init__.py": "",
    "tinypkg/base.py": "VALUE = 1\n",
    "tinypkg/mid.py": "from .base import VALUE\n\nDOUBLE = 2 * VALUE\n",
    "tinypkg/other.py": "OTHER = 3\n",
}
EXECUTING = "Executing notebook using"  # myst-nb, executing a post as it reads it
AHEAD = re.compile(r"^posts/\w+\.md: executed in [0-9.]+ s$", re.MULTILINE)  # side by side


DATED = {"noise": "title: Noise\ndate: 2020-02-01 10:00:00\nexcerpt: A seeded draw.\n"}


def post(name: str, code: str) -> str:
    text = textwrap.dedent("""\
        ---
        jupytext:
          text_representation:
            format_name: myst
        kernelspec:
          name: python3
          display_name: Python 3
        ---
        # Post {name}

        Some prose.

        ```{{code-cell}} python
        {code}
        with open("../executions.log", "a") as log:
            print("{name}", file=log)
        ```
        """).format(name=name, code=code)
    if name in DATED:  # a blog post, whose date YAML reads as a datetime
        text = text.replace("---\n", f"---\n{DATED[name]}", 1).replace(f"# Post {name}\n", "")
    return text


class TinySite:
    """A site in a temporary folder whose posts import ``tinypkg`` from the same folder."""

    def __init__(
        self,
        root: Path,
        monkeypatch: pytest.MonkeyPatch,
        posts: dict[str, str],
        workers: int = 0,
    ):
        self.root = root
        self.source = root / "site"
        config = yaml.safe_load((REPO / "_config.yml").read_text())
        config["exclude_patterns"] = [*config["exclude_patterns"], "tinypkg", "*.txt"]
        config["sphinx"]["config"].update(
            {
                "ddl_execution_packages": {"tinypkg": "tinypkg"},
                "ddl_execution_requirements": ["requirements.txt"],
                "ddl_execution_workers": workers,
            }
        )
        pages = {f"posts/{name}.md": post(name, code) for name, code in posts.items()}
        write(
            self.source,
            {
                **TINY,
                **pages,
                "_config.yml": yaml.safe_dump(config),
                "_toc.yml": self.toc(posts),
                "index.md": "# A tiny site\n\n```{tableofcontents}\n```\n",
                "requirements.txt": "numpy==2.4.6\n",
            },
        )
        # The tiny package first; then whatever the run was given (a checkout's own src/).
        paths = [str(self.source), *filter(None, [os.environ.get("PYTHONPATH")])]
        monkeypatch.setenv("PYTHONPATH", os.pathsep.join(paths))

    @staticmethod
    def toc(posts) -> str:
        chapters = "".join(f"  - file: posts/{name}\n" for name in posts)
        return f"format: jb-book\nroot: index\nchapters:\n{chapters}"

    def edit(self, name: str, old: str, new: str) -> None:
        path = self.source / name
        text = path.read_text()
        assert old in text, (name, old)
        path.write_text(text.replace(old, new))

    def build(self) -> tuple[Build, list[str], dict[str, str]]:
        """Build; return the build, the posts executed, and the reasons the log gave."""
        log = self.source / "executions.log"
        log.unlink(missing_ok=True)
        build = build_book(self.source, self.root / "out")
        executed = sorted(log.read_text().split()) if log.exists() else []
        if build.returncode == 0:  # every execution is announced, by myst-nb or side by side
            announced = build.log.count(EXECUTING) + len(AHEAD.findall(build.log))
            assert announced == len(executed), build.log[-3000:]
        reasons = dict(
            re.findall(r"^posts/(\w+)\.md: re-executing, (.*)$", build.log, re.MULTILINE)
        )
        return build, executed, reasons
