"""The Node.js packages the build runs (KaTeX, PurgeCSS), pinned in the repository's
``package.json`` and installed on first use.

If a pinned package of ``dependencies`` is missing from ``node_modules`` at the repository's
root (or another version is there), the build runs ``npm ci --omit=dev`` once, under a lock
so that parallel builds install once.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import shutil
import subprocess
import tempfile
from pathlib import Path

from sphinx.errors import ExtensionError
from sphinx.util import logging

logger = logging.getLogger(__name__)

REPO = Path(__file__).resolve().parents[2]
NODE_MODULES = REPO / "node_modules"


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
    if shutil.which("node") is None or shutil.which("npm") is None:
        raise ExtensionError(
            "Node.js and npm are needed to build the site (KaTeX typesets the maths, PurgeCSS "
            "trims the theme's stylesheets). Debian: apt-get install nodejs npm"
        )
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
                ["npm", "ci", "--omit=dev", "--no-audit", "--no-fund", "--loglevel=error"],
                cwd=REPO,
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
        ["node", str(script), str(node_modules)],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise ExtensionError(f"{script.name} failed in Node.js:\n{result.stderr}")
    return json.loads(result.stdout)
