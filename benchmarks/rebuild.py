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
2. a rebuild with no change (goal: at most 3 s, executing, reading and writing nothing),
   ``--repeat`` times;
3. after adding a sentence of prose to one post (Part 6, or the last post): executing nothing,
   reading that post alone (goal: at most 5 s), ``--repeat`` times, a new sentence each time;
4. after editing a code cell of one post: that post (goal: its own execution time plus 5 s);
5. after editing one module of ``src/ddl``: the posts that import it (computed statically);
6. after installing two unrelated distributions (feedparser, beautifulsoup4): none;
7. after installing another version of matplotlib (3.11.1, which then shadows the
   environment's): the posts whose code, or the ``ddl`` modules it imports, imports matplotlib;
8. after editing the data file: the post that reads it;
9. after editing the module imported by a computed name: that post (and any that import the
   module statically);
10. with ``--readme-sequence``, after ``pip install -r requirements-test.txt`` into the running
   environment (README's test command, after its build command): none. This one changes the
   environment the benchmark runs in: use a throwaway one.

With ``--clean-builds``, instead of the builds above: two clean builds of two copies, one
executing the posts one after another (``ddl_execution_workers: 1``) and one side by side (the
default, one per core), each timed, and whether their pages are identical (every file but
``.buildinfo``, which holds the configuration's hash).

With ``--live-preview``, instead of the builds above: README's live preview (its command taken
from README.md, as ``tests/blog/test_live_preview.py`` runs it) serves the copy, and each of
``--repeat`` saves of a sentence of prose (Part 6, or the last post) is timed until the preview
tells the page to reload (its WebSocket message) and until the served page shows the sentence
(goal: at most 5 s). Seed the execution cache (``--execution-cache _build/.jupyter_cache``) or
the preview's first build executes every post.

Prints, for each build, its wall-clock and CPU time, the posts it executed (with the reasons
the log gave), the documents it read and the documents it wrote; for the repeated rows, the
minimum and median. On a shared machine wall-clock times vary with the load (printed): compare
the minimums, and the CPU times. ``--startup`` also times ``jupyter-book --help`` (the tool's
own start-up), to separate it from the build's.

    .venv/bin/python benchmarks/rebuild.py [--committed] [--keep] [--readme-sequence]
                                           [--repeat N] [--startup] [--only-edit-loop]
                                           [--live-preview] [--execution-cache FOLDER]
                                           [--clean-builds]

Exits non-zero if a build fails or executes other posts than those expected.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
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
# A post executed by myst-nb as it is read, or before, side by side with others.
EXECUTING = re.compile(
    r"^(\S+\.(?:md|ipynb)): (?:Executing notebook|executed in [\d.]+ s$)", re.MULTILINE
)
EXECUTED_IN = re.compile(
    r"(?:Executed notebook in ([\d.]+) seconds|^\S+\.(?:md|ipynb): executed in ([\d.]+) s$)",
    re.MULTILINE,
)
REASON = re.compile(r"^(\S+\.(?:md|ipynb)): re-executing, (.*)$", re.MULTILINE)
ANSI = re.compile(r"\x1b\[[0-9;]*m")
READ = re.compile(r"^reading sources\.\.\. \[\s*\d+%\] (\S+)", re.MULTILINE)
WRITTEN = re.compile(r"^writing output\.\.\. \[\s*\d+%\] (\S+)", re.MULTILINE)
NO_OP_BUDGET = 3.0
PROSE_BUDGET = 5.0
CODE_BUDGET = 5.0  # beyond the post's own execution


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
    read: list[str]  # documents read (parsed) again
    written: list[str]  # documents whose pages were written
    execution: float = 0.0  # seconds the log says the posts' executions took


def build(site: Path, label: str, extra: Path | None = None) -> Step:
    """Build the copy with the README's command; time it and read its log."""
    path = os.pathsep.join(str(p) for p in (site / "src", extra) if p)
    env = {**os.environ, "PYTHONPATH": path, "NO_COLOR": "1"}
    command = [str(JUPYTER_BOOK), "build", "-W", "-n", "--keep-going", "."]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run(command, cwd=site, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    log = ANSI.sub("", result.stdout + result.stderr)
    executed = sorted({os.path.relpath(site / path, site) for path in EXECUTING.findall(log)})
    ran = sum(float(a or b) for a, b in EXECUTED_IN.findall(log))
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
        sorted(set(READ.findall(log))),
        sorted(set(WRITTEN.findall(log))),
        ran,
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
    from ddl_site.sync.execution import code_dependencies, find_modules, import_graph

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
    from ddl_site.sync.execution import code_dependencies, find_modules, imported_names

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
    parser.add_argument(
        "--repeat", type=int, default=3, help="times to repeat the no-op and prose rebuilds"
    )
    parser.add_argument(
        "--startup", action="store_true", help="also time `jupyter-book --help` (the tool alone)"
    )
    parser.add_argument(
        "--execution-cache",
        type=Path,
        help="seed the copy's _build/.jupyter_cache from this folder (the first build then "
        "executes only what changed since those outputs were made: not a clean build)",
    )
    parser.add_argument(
        "--only-edit-loop",
        action="store_true",
        help="stop after the author's edit loop (no-op, prose, code cell): no installs",
    )
    parser.add_argument(
        "--live-preview",
        action="store_true",
        help="time README's live preview instead: prose save -> page reloaded and served",
    )
    parser.add_argument(
        "--clean-builds",
        action="store_true",
        help="time a clean build with posts executed one at a time and one side by side",
    )
    args = parser.parse_args()
    if args.clean_builds:
        return clean_builds(args)
    if args.startup:
        times = []
        for _ in range(max(args.repeat, 1)):
            start = time.perf_counter()
            subprocess.run([str(JUPYTER_BOOK), "--help"], capture_output=True, check=True)
            times.append(time.perf_counter() - start)
        print(
            f"jupyter-book --help (the tool's start-up alone): min {min(times):.2f} s, "
            f"median {statistics.median(times):.2f} s"
        )
    work = Path(tempfile.mkdtemp(prefix="ddl-rebuild-"))
    site = copy_repository(work / "site", committed=args.committed)
    if args.execution_cache:
        shutil.copytree(args.execution_cache, site / "_build" / ".jupyter_cache")
    if args.live_preview:
        return live_preview(args, work, site)
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

    def repeated(label: str) -> list[Step]:
        return [r for r in rows if r.label == label]

    step("first build (execution cache seeded)" if args.execution_cache else "clean build")
    for _ in range(max(args.repeat, 1)):
        step("no-op rebuild", expected=[])
        no_op = rows[-1]
        if no_op.read or no_op.written:
            problems.append(f"no-op rebuild: read {no_op.read}, wrote {no_op.written}")

    prose_post = prose_post_of(site)
    prose_shown = str(prose_post.relative_to(site))
    prose_doc = str(prose_post.relative_to(site).with_suffix(""))
    for i in range(max(args.repeat, 1)):
        prose_post.write_text(
            prose_post.read_text(encoding="utf-8")
            + f"\nA sentence of prose added by the benchmark, edit {['one', 'two', 'three'][i % 3]}.\n",
            encoding="utf-8",
        )
        step(f"prose edit of {prose_shown}", expected=[])
        if rows[-1].read != [prose_doc]:
            problems.append(f"prose edit: read {rows[-1].read}, expected only {prose_doc}")

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

    if args.only_edit_loop:
        return report(args, work, rows, problems, module=None, users=users, extra_lines=[])

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

    lines = [
        f"module edited: {module}; posts that import it (static analysis): "
        + (", ".join(users.get(module, [])) or "none"),
        f"{probe_shown} imports {probed} by a computed name and reads {PROBE_DATA}",
    ]
    return report(args, work, rows, problems, module=module, users=users, extra_lines=lines)


def prose_post_of(site: Path) -> Path:
    """The post the prose edits go to: Part 6, or the last page of the table of contents."""
    posts = toc_posts(site)
    return next(
        (
            p
            for p in posts
            if re.search(r"^part: 6\s*$", p.read_text(encoding="utf-8"), re.MULTILINE)
        ),
        posts[-1],
    )


def cpu_seconds(pid: int) -> float:
    """User and system time of a process and of the children it has waited for (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    # utime, stime, cutime, cstime: fields 14 to 17 of proc(5), counted from the pid.
    return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def clean_builds(args) -> int:
    """A clean build executing one post at a time, and one executing them side by side."""
    import filecmp

    work = Path(tempfile.mkdtemp(prefix="ddl-clean-"))
    rows: list[tuple[str, Step, Path]] = []
    for label, workers in (("one post at a time", 1), ("side by side", 0)):
        site = copy_repository(work / f"workers-{workers}", committed=args.committed)
        config = site / "_config.yml"
        text = config.read_text(encoding="utf-8")
        anchor = "  config:\n"
        assert anchor in text, "sphinx.config not found in _config.yml"
        config.write_text(
            text.replace(anchor, f"{anchor}    ddl_execution_workers: {workers}\n", 1),
            encoding="utf-8",
        )
        load = os.getloadavg()[0]
        row = build(site, f"clean build, {label}")
        rows.append((label, row, site))
        print(
            f"clean build, {label:<20} wall {row.seconds:6.1f} s  CPU {row.cpu:6.1f} s  "
            f"executed {len(row.executed)} posts (their own times add up to {row.execution:.1f} s)"
            f"  load {load:.1f} -> {os.getloadavg()[0]:.1f}  exit {row.returncode}"
        )
    (_, one, one_site), (_, side, side_site) = rows
    if one.returncode or side.returncode:
        print("a build failed")
        return 1
    a, b = one_site / "_build" / "html", side_site / "_build" / "html"
    files = {p.relative_to(a) for p in a.rglob("*") if p.is_file()}
    files |= {p.relative_to(b) for p in b.rglob("*") if p.is_file()}
    differ = sorted(
        str(f)
        for f in files
        if f.name != ".buildinfo"
        and not ((a / f).is_file() and (b / f).is_file() and filecmp.cmp(a / f, b / f, False))
    )
    print(
        f"side by side / one at a time: wall {side.seconds / one.seconds:.2f}, "
        f"CPU {side.cpu / one.cpu:.2f}; pages identical: {'yes' if not differ else 'NO'} "
        f"({len(files)} files compared)"
    )
    for name in differ[:20]:
        print(f"  differs: {name}")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if differ else 0


def live_preview(args, work: Path, site: Path) -> int:
    """Time README's live preview on the copy: each prose save until the page is told to
    reload and until the served page shows it."""
    sys.path.insert(0, str(REPO / "tests"))
    from test_live_preview import LivePreview
    from websockets.exceptions import ConnectionClosed
    from websockets.sync.client import connect

    post = prose_post_of(site)
    page = post.relative_to(site).with_suffix(".html").as_posix()
    problems: list[str] = []
    start = time.perf_counter()
    preview = LivePreview(site, work / "preview.log", timeout=3600, src=site / "src")
    first = time.perf_counter() - start
    print(f"live preview of the copy: first build and server up in {first:.1f} s")
    reloads: list[float] = []
    served: list[float] = []
    cpus: list[float] = []
    messages: list[tuple[float, str]] = []  # (when, what) the preview sent the page

    def listen(browser) -> None:
        # Ends when the preview stops and closes the connection, however it closes it.
        with contextlib.suppress(ConnectionClosed):
            for message in browser:
                messages.append((time.perf_counter(), message))

    try:
        with connect(f"ws://127.0.0.1:{preview.port}/websocket-reload") as browser:
            threading.Thread(target=listen, args=(browser,), daemon=True).start()
            for i in range(max(args.repeat, 1)):
                sentence = f"A sentence of prose saved during the live preview, number {i + 1}."
                text = post.read_text(encoding="utf-8")
                heard = len(messages)
                cpu = cpu_seconds(preview.process.pid)
                saved = time.perf_counter()
                post.write_text(text + f"\n{sentence}\n", encoding="utf-8")
                served.append(
                    preview.wait_for(
                        lambda sentence=sentence: sentence in (preview.fetch(page) or ""),
                        600,
                        f"save {i + 1} in the served page",
                    )
                )
                try:
                    preview.wait_for(lambda heard=heard: len(messages) > heard, 60, "reload")
                except AssertionError:
                    problems.append(f"save {i + 1}: no reload message")
                    continue
                when, message = messages[heard]
                reloads.append(when - saved)
                # The build's processes have ended (and been waited for) before the message.
                cpus.append(cpu_seconds(preview.process.pid) - cpu)
                if message != "refresh":
                    problems.append(f"save {i + 1}: the preview sent {message!r}")
                print(
                    f"save {i + 1}: reload message after {reloads[-1]:.2f} s, "
                    f"served page updated after {served[-1]:.2f} s; "
                    f"CPU of the rebuild {cpus[-1]:.2f} s"
                )
                time.sleep(1.0)  # the next save is a separate change
            extra_messages = len(messages) - len(reloads)
            if extra_messages:
                problems.append(f"{extra_messages} reload messages beyond one per save")
    finally:
        preview.stop()
    detected = re.findall(r"Detected changes \((.*)\)", preview.log())
    expected = [str(post.relative_to(site))] * max(args.repeat, 1)
    if detected != expected:
        problems.append(f"builds set off by {detected}, expected one per save ({expected})")
    print(
        f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs "
        "(wall-clock times grow with it)"
    )
    shown = (
        ("prose save -> reload message", reloads, f" (goal: at most {PROSE_BUDGET:.1f} s)"),
        ("prose save -> served page updated", served, ""),
        ("CPU time of each rebuild (all its processes)", cpus, ""),
    )
    for label, times, goal in shown:
        if times:
            print(
                f"{label}: {len(times)} saves, min {min(times):.2f} s, "
                f"median {statistics.median(times):.2f} s, max {max(times):.2f} s{goal}"
            )
    if reloads and statistics.median(reloads) > PROSE_BUDGET:
        problems.append(f"the median save takes more than {PROSE_BUDGET:.1f} s to reload the page")
    return finish(problems, args, work)


def finish(problems: list[str], args, work: Path) -> int:
    """Print the problems, keep or remove the copy, and give the exit status."""
    for problem in problems:
        print(f"PROBLEM: {problem}", file=sys.stderr)
    if args.keep:
        print(f"kept: {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if problems else 0


def shown_docs(docs: list[str]) -> str:
    if not docs:
        return "none"
    return ", ".join(docs) if len(docs) <= 2 else f"{len(docs)} documents"


def report(args, work: Path, rows: list[Step], problems: list[str], **context) -> int:
    """Print the table of builds and the summary of the edit loop; the exit status."""
    print(
        f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs "
        "(wall-clock times grow with it; CPU times do not)"
    )
    print()
    print(f"{'build':<52} {'wall s':>7} {'CPU s':>7}  {'executed':<28} {'re-read':<28} written")
    for row in rows:
        shown = ", ".join(row.executed) if row.executed else "none"
        print(
            f"{row.label:<52} {row.seconds:>7.1f} {row.cpu:>7.1f}  {shown:<28} "
            f"{shown_docs(row.read):<28} {shown_docs(row.written)}"
        )
        for post_name, reason in sorted(row.reasons.items()):
            print(f"{'':<70}{post_name}: re-executing, {reason}")
    print()
    for line in context.get("extra_lines", []):
        print(line)

    def summary(label: str, prefix: bool, budget: float, extra: float = 0.0) -> None:
        found = [r for r in rows if (r.label.startswith(label) if prefix else r.label == label)]
        if not found:
            return
        walls = [r.seconds for r in found]
        cpus = [r.cpu for r in found]
        print(
            f"{label}: {len(found)} runs, wall min {min(walls):.1f} s, median "
            f"{statistics.median(walls):.1f} s; CPU min {min(cpus):.1f} s, median "
            f"{statistics.median(cpus):.1f} s (goal: at most {budget + extra:.1f} s)"
        )

    summary("no-op rebuild", False, NO_OP_BUDGET)
    summary("prose edit of", True, PROSE_BUDGET)
    code = [r for r in rows if r.label.startswith("edit a code cell")]
    if code:
        summary("edit a code cell", True, CODE_BUDGET, code[0].execution)
        print(f"  (of which the post's own execution, as the log says: {code[0].execution:.1f} s)")
    return finish(problems, args, work)


if __name__ == "__main__":
    sys.exit(main())
