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

    .venv/bin/python benchmarks/rebuild.py [--keep]

Exits non-zero if a build fails, the no-op rebuild executes anything, or the module edit
executes a post other than those expected.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
JUPYTER_BOOK = Path(sys.executable).with_name("jupyter-book")
NOT_COPIED = {".venv", "_build", ".git", "node_modules", ".pytest_cache", ".hypothesis",
              "__pycache__", "test-artifacts"}
EXECUTING = re.compile(r"^(\S+\.(?:md|ipynb)): Executing notebook", re.MULTILINE)
REASON = re.compile(r"^(\S+\.(?:md|ipynb)): re-executing, (.*)$", re.MULTILINE)
NO_OP_BUDGET = 5.0


def copy_repository(target: Path) -> Path:
    shutil.copytree(REPO, target, symlinks=True,
                    ignore=lambda folder, names: [n for n in names if n in NOT_COPIED
                                                  or n.endswith(".egg-info")])
    if (REPO / "node_modules").is_dir():
        (target / "node_modules").symlink_to(REPO / "node_modules")
    return target


def build(site: Path) -> tuple[float, int, list[str], dict[str, str], str]:
    """Build the copy; return seconds, exit code, posts executed, reasons logged, the log."""
    env = {**os.environ, "PYTHONPATH": str(site / "src"), "PYTHONHASHSEED": "0", "NO_COLOR": "1"}
    command = [str(JUPYTER_BOOK), "build", "-W", "-n", "--keep-going", "."]
    start = time.perf_counter()
    result = subprocess.run(command, cwd=site, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    log = result.stdout + result.stderr
    executed = sorted({os.path.relpath(path, site) for path in EXECUTING.findall(log)})
    reasons = dict(REASON.findall(log))
    return seconds, result.returncode, executed, reasons, log


def code_cells(post: Path) -> list[str]:
    """The code cells of a MyST Markdown notebook (none for a plain Markdown page)."""
    from myst_nb.core.read import is_myst_markdown_notebook, read_myst_markdown_notebook

    text = post.read_text(encoding="utf-8")
    if post.suffix == ".md" and not is_myst_markdown_notebook(text):
        return []
    notebook = read_myst_markdown_notebook(text)
    return [cell.source for cell in notebook.cells if cell.cell_type == "code"]


def importers(site: Path) -> dict[str, list[str]]:
    """For each module file of the copy's ``src/ddl``, the posts that import it."""
    from ddl_site.execution import code_dependencies, find_modules, import_graph

    modules = find_modules({"ddl": site / "src" / "ddl"})
    graph = import_graph(modules)
    found: dict[str, list[str]] = {
        str(m.path.relative_to(site)): [] for m in modules.values()}
    for post in sorted((site / "book").glob("*.md")):
        for name in code_dependencies(code_cells(post), modules, graph):
            found[str(modules[name].path.relative_to(site))].append(
                str(post.relative_to(site)))
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep the temporary copy")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="ddl-rebuild-"))
    site = copy_repository(work / "site")
    posts = sorted((site / "book").glob("*.md"))
    with_code = [p for p in posts if code_cells(p)]
    print(f"copy: {site}")
    print(f"posts: {len(posts)} pages in book/, {len(with_code)} with code cells")

    rows: list[tuple[str, float, list[str], dict[str, str]]] = []
    problems: list[str] = []

    def step(label: str, expected: list[str] | None = None) -> None:
        seconds, code, executed, reasons, log = build(site)
        rows.append((label, seconds, executed, reasons))
        if code != 0:
            problems.append(f"{label}: the build failed (exit {code})\n{log[-4000:]}")
        if expected is not None and executed != sorted(expected):
            problems.append(f"{label}: executed {executed or 'nothing'}, "
                            f"expected {sorted(expected) or 'nothing'}")

    step("clean build")
    step("no-op rebuild", expected=[])

    if with_code:
        post = with_code[0]
        text = post.read_text(encoding="utf-8")
        edited = re.sub(r"(```\{code-cell\}[^\n]*\n)", r"\1# edited by the benchmark\n", text,
                        count=1)
        post.write_text(edited, encoding="utf-8")
        step(f"edit a code cell of {post.relative_to(site)}",
             expected=[str(post.relative_to(site))])
    else:
        post = posts[-1]
        post.write_text(post.read_text(encoding="utf-8") + "\nAn edit by the benchmark.\n",
                        encoding="utf-8")
        step(f"edit the prose of {post.relative_to(site)}", expected=[])

    users = importers(site)
    imported = {m: p for m, p in users.items() if p and not m.endswith("__init__.py")}
    # The module imported by the fewest posts (but some), to show that the others are spared.
    module = min(imported, key=lambda m: (len(imported[m]), m)) if imported else "src/ddl/activations.py"
    path = site / module
    path.write_text(path.read_text(encoding="utf-8") + "\n# edited by the benchmark\n",
                    encoding="utf-8")
    step(f"edit {module}", expected=users.get(module, []))

    print()
    print(f"{'build':<52} {'seconds':>8}  posts executed")
    for label, seconds, executed, reasons in rows:
        shown = ", ".join(executed) if executed else "none"
        print(f"{label:<52} {seconds:>8.1f}  {shown}")
        for post_name, reason in sorted(reasons.items()):
            print(f"{'':<62}{post_name}: {reason}")
    print()
    print(f"module edited: {module}; posts that import it: {', '.join(users.get(module, [])) or 'none'}")
    no_op = rows[1][1]
    print(f"no-op rebuild: {no_op:.1f} s (goal: under {NO_OP_BUDGET:.0f} s)"
          f"{'' if no_op < NO_OP_BUDGET else '  OVER BUDGET'}")
    for problem in problems:
        print(f"PROBLEM: {problem}", file=sys.stderr)
    if args.keep:
        print(f"kept: {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
