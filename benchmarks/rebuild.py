"""What a rebuild of the site costs, and which posts it re-executes, after each kind of change.

Copies the repository (without ``.venv``, ``_build`` and ``.git``; ``node_modules`` is linked,
not copied) into a temporary folder and builds the copy again and again with the same command as
the README, with ``PYTHONPATH`` pointing at the copy's ``src`` (so that its ``ddl`` and
``ddl_site`` are the ones imported and edits never touch the real tree) and then at an empty
folder, ``extra``, that stands for the environment's site-packages: packages are installed there
(``pip install --target``), never into the environment itself. Before the first build, one post
of the copy gets a last code cell that imports, by a computed name
(``importlib.import_module(f"ddl.{name}")``, which no static analysis can follow), a module of
``ddl`` the post does not otherwise import, and reads a data file beside the post. The builds:

1. a clean build;
2. a rebuild with no change (goal: under 5 s, executing nothing);
3. after editing one post (a code cell if any post has one, else its prose): that post;
4. after editing one module of ``src/ddl``: the posts that import it (computed statically);
5. after installing two unrelated distributions (feedparser, beautifulsoup4): none;
6. after installing another version of matplotlib (3.11.1, which then shadows the
   environment's): the posts whose code, or the ``ddl`` modules it imports, imports matplotlib;
7. after editing the data file: the post that reads it;
8. after editing the module imported by a computed name: that post (and any that import the
   module statically);
9. with ``--readme-sequence``, after ``pip install -r requirements-test.txt`` into the running
   environment (README's test command, after its build command): none. This one changes the
   environment the benchmark runs in: use a throwaway one.

Prints the time of each build and the posts it executed, with the reasons the log gave.

    .venv/bin/python benchmarks/rebuild.py [--committed] [--keep] [--readme-sequence]

Exits non-zero if a build fails or executes other posts than those expected.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
JUPYTER_BOOK = Path(sys.executable).with_name("jupyter-book")
NOT_COPIED = {
    ".venv",
    "_build",
    ".git",
    "node_modules",
    ".pytest_cache",
    ".hypothesis",
    "__pycache__",
    "test-artifacts",
}
EXECUTING = re.compile(r"^(\S+\.(?:md|ipynb)): Executing notebook", re.MULTILINE)
REASON = re.compile(r"^(\S+\.(?:md|ipynb)): re-executing, (.*)$", re.MULTILINE)
NO_OP_BUDGET = 5.0


def copy_repository(target: Path, committed: bool = False) -> Path:
    """Copy the working tree (or, with ``committed``, the files of the last commit)."""
    if committed:
        target.mkdir(parents=True)
        archive = subprocess.run(
            ["git", "-C", str(REPO), "archive", "HEAD"], check=True, capture_output=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    else:
        shutil.copytree(
            REPO,
            target,
            symlinks=True,
            ignore=lambda folder, names: [
                n for n in names if n in NOT_COPIED or n.endswith(".egg-info")
            ],
        )
    if (REPO / "node_modules").is_dir():
        (target / "node_modules").symlink_to(REPO / "node_modules")
    return target


@dataclass
class Step:
    label: str
    seconds: float  # wall clock
    cpu: float  # user + system time of the build and everything it started (kernels, Node.js)
    returncode: int
    executed: list[str]
    reasons: dict[str, str]
    problems: list[str]  # the build's warnings and errors, when it failed


def build(site: Path, label: str, extra: Path | None = None) -> Step:
    """Build the copy with the README's command; time it and read its log."""
    path = os.pathsep.join(str(p) for p in (site / "src", extra) if p)
    env = {**os.environ, "PYTHONPATH": path, "PYTHONHASHSEED": "0", "NO_COLOR": "1"}
    command = [str(JUPYTER_BOOK), "build", "-W", "-n", "--keep-going", "."]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run(command, cwd=site, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    log = result.stdout + result.stderr
    executed = sorted({os.path.relpath(path, site) for path in EXECUTING.findall(log)})
    problems = [
        line.strip()
        for line in log.splitlines()
        if re.search(r"\b(WARNING|ERROR|CRITICAL)\b", line) and "IPKernelApp" not in line
    ]
    return Step(
        label,
        seconds,
        cpu,
        result.returncode,
        executed,
        dict(REASON.findall(log)),
        problems if result.returncode else [],
    )


def toc_posts(site: Path) -> list[Path]:
    """The pages of ``_toc.yml`` that exist as Markdown files (the pages the build reads)."""
    import yaml

    files: list[str] = []

    def walk(node) -> None:
        if isinstance(node, dict):
            files.extend(str(node[key]) for key in ("root", "file") if key in node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(yaml.safe_load((site / "_toc.yml").read_text(encoding="utf-8")))
    return [site / f"{f}.md" for f in files if (site / f"{f}.md").is_file()]


def code_cells(post: Path) -> list[str]:
    """The code cells of a MyST Markdown notebook (none for a plain Markdown page)."""
    from myst_nb.core.read import is_myst_markdown_notebook, read_myst_markdown_notebook

    text = post.read_text(encoding="utf-8")
    if post.suffix == ".md" and not is_myst_markdown_notebook(text):
        return []
    notebook = read_myst_markdown_notebook(text)
    return [cell.source for cell in notebook.cells if cell.cell_type == "code"]


def edit_first_code_cell(text: str) -> str:
    """Append a comment as the last line of the first code cell: new code, same results."""
    cell = re.search(r"^(`{3,}|~{3,})\{code-cell\}[^\n]*\n", text, re.MULTILINE)
    assert cell, "no code cell"
    fence = cell.group(1)
    close = re.compile(rf"^{re.escape(fence)}\s*$", re.MULTILINE).search(text, cell.end())
    assert close, "unclosed code cell"
    return text[: close.start()] + "# edited by the benchmark\n" + text[close.start() :]


def importers(site: Path, posts: list[Path]) -> dict[str, list[str]]:
    """For each module file of the copy's ``src/ddl``, the posts that import it."""
    from ddl_site.execution import code_dependencies, find_modules, import_graph

    modules = find_modules({"ddl": site / "src" / "ddl"})
    graph = import_graph(modules)
    found: dict[str, list[str]] = {str(m.path.relative_to(site)): [] for m in modules.values()}
    for post in posts:
        for name in code_dependencies(code_cells(post), modules, graph):
            found[str(modules[name].path.relative_to(site))].append(str(post.relative_to(site)))
    return found


PROBE_DATA = "benchmark-probe.txt"


def add_probe(post: Path, module: str) -> None:
    """Give ``post`` a last code cell that imports ``ddl.<module>`` by a computed name and reads
    a data file beside the post, and write that file."""
    cell = (
        "\n```{code-cell} python\n"
        "import importlib\n"
        f"probe_name = {module!r}\n"
        'probe_module = importlib.import_module(f"ddl.{probe_name}")\n'
        f"with open({PROBE_DATA!r}, encoding='utf-8') as probe_file:\n"
        "    probe_data = probe_file.read()\n"
        "```\n"
    )
    post.write_text(post.read_text(encoding="utf-8") + cell, encoding="utf-8")
    (post.parent / PROBE_DATA).write_text("1 2 3\n", encoding="utf-8")


def imports_matplotlib(site: Path, post: Path) -> bool:
    """Whether a post's code, or a ``ddl`` module it imports, imports matplotlib (statically)."""
    from ddl_site.execution import code_dependencies, find_modules, imported_names

    modules = find_modules({"ddl": site / "src" / "ddl"})
    cells = code_cells(post)
    sources = cells + [
        modules[m].path.read_text(encoding="utf-8") for m in code_dependencies(cells, modules)
    ]
    return any("matplotlib" in imported_names(code, cell=True) for code in sources)


def pip_install(*arguments: str, cwd: Path | None = None) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--disable-pip-version-check", *arguments],
        check=True,
        cwd=cwd,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep the temporary copy")
    parser.add_argument(
        "--committed",
        action="store_true",
        help="copy the last commit's files instead of the working tree",
    )
    parser.add_argument(
        "--readme-sequence",
        action="store_true",
        help="last, install requirements-test.txt into the running environment and rebuild",
    )
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="ddl-rebuild-"))
    site = copy_repository(work / "site", committed=args.committed)
    extra = work / "extra"
    extra.mkdir()
    posts = toc_posts(site)
    with_code = [p for p in posts if code_cells(p)]
    print(f"copy: {site}")
    print(f"pages in _toc.yml: {len(posts)}, with code cells: {len(with_code)}")
    users = importers(site, posts)
    # The probe imports, by a computed name, a module its post does not import (statically),
    # the one the fewest other posts import.
    probe = with_code[-1]
    probe_shown = str(probe.relative_to(site))
    candidates = [m for m, p in users.items() if probe_shown not in p and "__" not in m]
    probed = min(candidates, key=lambda m: (len(users[m]), m))
    add_probe(probe, Path(probed).stem)

    rows: list[Step] = []
    problems: list[str] = []

    def step(label: str, expected: list[str] | None = None) -> None:
        row = build(site, label, extra)
        rows.append(row)
        if row.returncode != 0:
            shown = "\n    ".join(row.problems[:12]) or "(no warning in the log)"
            problems.append(f"{label}: the build failed (exit {row.returncode}):\n    {shown}")
        if expected is not None and row.executed != sorted(expected):
            problems.append(
                f"{label}: executed {row.executed or 'nothing'}, "
                f"expected {sorted(expected) or 'nothing'}"
            )

    step("clean build")
    step("no-op rebuild", expected=[])

    if with_code:
        post = with_code[0]
        post.write_text(edit_first_code_cell(post.read_text(encoding="utf-8")), encoding="utf-8")
        step(
            f"edit a code cell of {post.relative_to(site)}", expected=[str(post.relative_to(site))]
        )
    else:
        post = posts[-1]
        post.write_text(
            post.read_text(encoding="utf-8") + "\nAn edit by the benchmark.\n", encoding="utf-8"
        )
        step(f"edit the prose of {post.relative_to(site)}", expected=[])

    imported = {m: p for m, p in users.items() if p and not m.endswith("__init__.py")}
    # The module imported by the fewest posts (but some), to show that the others are spared.
    module = (
        min(imported, key=lambda m: (len(imported[m]), m)) if imported else "src/ddl/activations.py"
    )
    path = site / module
    path.write_text(
        path.read_text(encoding="utf-8") + "\n# edited by the benchmark\n", encoding="utf-8"
    )
    step(f"edit {module}", expected=users.get(module, []))

    pip_install("--no-deps", "--target", str(extra), "feedparser", "beautifulsoup4")
    step("install feedparser, beautifulsoup4", expected=[])

    plotting = [str(p.relative_to(site)) for p in with_code if imports_matplotlib(site, p)]
    pip_install("--no-deps", "--target", str(extra), "matplotlib==3.11.1")
    step("install matplotlib 3.11.1 (shadows the env's)", expected=plotting)

    data = probe.parent / PROBE_DATA
    data.write_text("1 2 3 4\n", encoding="utf-8")
    step(f"edit {data.relative_to(site)}", expected=[probe_shown])

    path = site / probed
    path.write_text(
        path.read_text(encoding="utf-8") + "\n# edited by the benchmark\n", encoding="utf-8"
    )
    step(f"edit {probed} (computed-name import)", expected=sorted({probe_shown, *users[probed]}))

    if args.readme_sequence:
        pip_install("-r", "requirements-test.txt", cwd=site)
        step("pip install -r requirements-test.txt", expected=[])

    print(
        f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs "
        "(wall-clock times grow with it; CPU times do not)"
    )
    print()
    print(f"{'build':<52} {'wall s':>7} {'CPU s':>7}  posts executed")
    for row in rows:
        shown = ", ".join(row.executed) if row.executed else "none"
        print(f"{row.label:<52} {row.seconds:>7.1f} {row.cpu:>7.1f}  {shown}")
        for post_name, reason in sorted(row.reasons.items()):
            print(f"{'':<70}{post_name}: re-executing, {reason}")
    print()
    importing = ", ".join(users.get(module, [])) or "none"
    print(f"module edited: {module}; posts that import it (static analysis): {importing}")
    print(f"{probe_shown} imports {probed} by a computed name and reads {PROBE_DATA}")
    no_op = rows[1]
    print(
        f"no-op rebuild: {no_op.seconds:.1f} s wall, {no_op.cpu:.1f} s CPU "
        f"(goal: under {NO_OP_BUDGET:.0f} s)"
    )
    for problem in problems:
        print(f"PROBLEM: {problem}", file=sys.stderr)
    if args.keep:
        print(f"kept: {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
