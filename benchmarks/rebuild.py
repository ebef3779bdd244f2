"""What a rebuild of the site costs: clean, no-op, after editing a post, after editing a module.

Copies the repository (without ``.venv``, ``_build`` and ``.git``; ``node_modules`` is linked,
not copied) into a temporary folder and builds the copy four times with the same command as the
README, with ``PYTHONPATH`` pointing at the copy's ``src`` so that its ``ddl`` and ``ddl_site``
are the ones imported and edits never touch the real tree:

1. a clean build;
2. a rebuild with no change (goal: under 5 s, executing nothing);
3. a rebuild after editing one post (a code cell if any post has one, else its prose);
4. a rebuild after editing one module of ``src/ddl`` (goal: executes only the posts that
   import it, directly or through other modules; the posts expected are computed statically
   and printed beside the posts executed).

Prints the time of each build and the posts it executed, with the reasons the log gave.

    .venv/bin/python benchmarks/rebuild.py [--committed] [--keep]

Exits non-zero if a build fails, the no-op rebuild executes anything, or the module edit
executes a post other than those expected.
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


def build(site: Path, label: str) -> Step:
    """Build the copy with the README's command; time it and read its log."""
    env = {**os.environ, "PYTHONPATH": str(site / "src"), "PYTHONHASHSEED": "0", "NO_COLOR": "1"}
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep the temporary copy")
    parser.add_argument(
        "--committed",
        action="store_true",
        help="copy the last commit's files instead of the working tree",
    )
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="ddl-rebuild-"))
    site = copy_repository(work / "site", committed=args.committed)
    posts = toc_posts(site)
    with_code = [p for p in posts if code_cells(p)]
    print(f"copy: {site}")
    print(f"pages in _toc.yml: {len(posts)}, with code cells: {len(with_code)}")

    rows: list[Step] = []
    problems: list[str] = []

    def step(label: str, expected: list[str] | None = None) -> None:
        row = build(site, label)
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

    users = importers(site, posts)
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
