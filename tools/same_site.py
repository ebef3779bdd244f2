"""Build the site at two commits and compare every file the builds publish.

A change that should change nothing a reader sees (moving the site's code around, renaming a
module) is shown to: each commit is checked out into a temporary worktree, built with README's
command (warnings fail it) into its own folder, and the two ``_build/html`` trees compared file
by file. Only ``.buildinfo`` may differ (it records the configuration's hash).

    python tools/same_site.py                 # main against the checkout's HEAD
    python tools/same_site.py BEFORE AFTER    # any two commits
    python tools/same_site.py --trees OLD NEW # two html folders already built

The first build starts from a copy of the checkout's execution cache (``_build/.jupyter_cache``,
or ``--execution-cache``), the second from the cache the first left, so a post executes at most
once; each commit's own ``src/`` is the one imported.
Exits 1 and lists the files that differ, or are in one build only.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
JUPYTER_BOOK = Path(sys.executable).with_name("jupyter-book")
IGNORED = {".buildinfo"}


def git(*args: str, cwd: Path = REPO) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout.strip()


def build(commit: str, folder: Path, cache: Path | None) -> Path:
    """Check ``commit`` out into ``folder/tree``, build it into ``folder/out`` starting from a
    copy of the execution cache ``cache``; the html."""
    tree, out = folder / "tree", folder / "out"
    git("worktree", "add", "--detach", str(tree), commit)
    if (REPO / "node_modules").exists():
        (tree / "node_modules").symlink_to((REPO / "node_modules").resolve())
    if cache is not None and cache.is_dir():
        shutil.copytree(cache, out / "_build" / ".jupyter_cache")
    paths = [str(tree / "src"), *filter(None, [os.environ.get("PYTHONPATH")])]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(paths), "PYTHONHASHSEED": "0"}
    command = [str(JUPYTER_BOOK), "build", "-W", "-n", "--keep-going"]
    print(f"building {commit} in {tree}", flush=True)
    result = subprocess.run(
        [*command, "--path-output", str(out), str(tree)],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
    )
    (folder / "build.log").write_text(result.stdout + result.stderr, encoding="utf-8")
    if result.returncode != 0:
        sys.exit(f"the build of {commit} failed; its log: {folder / 'build.log'}")
    return out / "_build" / "html"


def files(root: Path) -> dict[str, Path]:
    return {
        p.relative_to(root).as_posix(): p
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name not in IGNORED
    }


def differences(before: Path, after: Path) -> list[str]:
    """One line per file that is not the same in both trees."""
    old, new = files(before), files(after)
    lines = [f"only in the first build: {name}" for name in sorted(old.keys() - new.keys())]
    lines += [f"only in the second build: {name}" for name in sorted(new.keys() - old.keys())]
    lines += [
        f"differs: {name}"
        for name in sorted(old.keys() & new.keys())
        if old[name].read_bytes() != new[name].read_bytes()
    ]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("before", nargs="?", default="main")
    parser.add_argument("after", nargs="?", default="HEAD")
    parser.add_argument("--trees", action="store_true", help="compare two built html folders")
    parser.add_argument("--keep", action="store_true", help="keep the worktrees and builds")
    parser.add_argument(
        "--execution-cache",
        type=Path,
        default=REPO / "_build" / ".jupyter_cache",
        help="the jupyter-cache folder the first build starts from",
    )
    args = parser.parse_args(argv)
    if args.trees:
        before, after = Path(args.before), Path(args.after)
        return report(differences(before, after), len(files(before)))
    work = Path(tempfile.mkdtemp(prefix="same-site-"))
    commits = [git("rev-parse", args.before), git("rev-parse", args.after)]
    try:
        before = build(commits[0], work / "before", args.execution_cache)
        after = build(commits[1], work / "after", before.parent / ".jupyter_cache")
        return report(differences(before, after), len(files(before)))
    finally:
        if args.keep:
            print(f"builds kept in {work}")
        else:
            for side in ("before", "after"):
                if (work / side / "tree").exists():
                    git("worktree", "remove", "--force", str(work / side / "tree"))
            shutil.rmtree(work, ignore_errors=True)


def report(found: list[str], count: int) -> int:
    print("\n".join(found) if found else "every file is the same (.buildinfo aside)")
    print(f"{count} files in the first build")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
