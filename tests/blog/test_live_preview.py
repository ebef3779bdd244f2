"""README's live preview, end to end: its command (taken from README.md, so that README stays
true) serves a small book, and each save shows in the served pages and reloads the browser.

The book is ``tests/blog/roots/test-rebuild`` (a series of three posts, an index, a lead image drawn by
code, a post whose code runs), copied to a temporary folder. The served pages are fetched over
HTTP; the reload is what the page's injected script listens for, a message on the preview's
WebSocket, which the test listens for too.
"""

from __future__ import annotations

import http.client
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from sitebuild import REPO

ROOT = Path(__file__).parent / "roots" / "test-rebuild"
ANSI = re.compile(r"\x1b\[[0-9;]*m")
DETECTED = re.compile(r"Detected changes \((.*)\)")


def readme_preview_command() -> str:
    """The one command of README.md that runs sphinx-autobuild."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    commands = [c for c in re.findall(r"```bash\n(.+?)\n```", text, re.DOTALL) if "autobuild" in c]
    assert len(commands) == 1, commands
    return commands[0]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class LivePreview:
    """README's preview command, run in ``source`` with this environment's executables (for
    README's ``.venv/bin/``) and another port than 8000; its installation step is checked,
    not run (the tests run in an environment installed from the same lock)."""

    def __init__(
        self, source: Path, log: Path, timeout: float = 600, src: Path = REPO / "src"
    ) -> None:
        self.source = source
        self.port = free_port()
        command = readme_preview_command()
        bin_dir = f"{Path(sys.executable).parent}/"
        steps = [shlex.split(step.replace(".venv/bin/", bin_dir)) for step in command.split(" && ")]
        install = [s for s in steps if "install" in s]
        assert install == [
            [f"{bin_dir}pip", "install", "--require-hashes", "-r", "requirements-test.txt"]
        ], "the preview installs from the test lock, with hashes"
        self.steps = [s for s in steps if s not in install]
        *setup, serve = self.steps
        assert "sphinx-autobuild" in serve[0], serve
        serve[serve.index("--port") + 1] = str(self.port)
        self.url = f"http://127.0.0.1:{self.port}"
        paths = [str(src), *filter(None, [os.environ.get("PYTHONPATH")])]
        self.env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(paths),
            "NO_COLOR": "1",
            "OMP_NUM_THREADS": "1",
            "OPENBLAS_NUM_THREADS": "1",
        }
        for step in setup:
            subprocess.run(step, cwd=source, env=self.env, check=True, capture_output=True)
        self.log_path = log
        self._log = open(log, "wb")  # noqa: SIM115 (closed in stop)
        self.process = subprocess.Popen(
            serve,
            cwd=source,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        # The server answers once the first build is done.
        try:
            self.wait_for(lambda: self.fetch("") is not None, timeout, "the first build")
        except BaseException:
            self.stop()
            raise

    def log(self) -> str:
        return ANSI.sub("", self.log_path.read_text(encoding="utf-8", errors="replace"))

    def fetch(self, page: str) -> str | None:
        """The served page (a path under the site), or None while it cannot be fetched."""
        if self.process.poll() is not None:
            raise AssertionError(f"the preview exited ({self.process.returncode}):\n{self.log()}")
        try:
            with urllib.request.urlopen(f"{self.url}/{page}", timeout=10) as response:
                return response.read().decode("utf-8")
        # A page Sphinx is writing can be served cut short.
        except (urllib.error.URLError, http.client.HTTPException, ConnectionError, TimeoutError):
            return None

    def wait_for(self, condition, timeout: float, what: str) -> float:
        """Poll ``condition`` until it holds; the seconds it took."""
        start = time.perf_counter()
        while not condition():
            if time.perf_counter() - start > timeout:
                raise AssertionError(f"{what}: not seen in {timeout:.0f} s\n{self.log()[-6000:]}")
            time.sleep(0.05)
        return time.perf_counter() - start

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self._log.close()


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_readme_preview_command_installs_from_the_test_lock():
    command = readme_preview_command()
    assert command.startswith(".venv/bin/pip install --require-hashes -r requirements-test.txt && ")
    # The lock that installs it: sphinx-autobuild at the version the test input pins.
    lock = (REPO / "requirements-test.txt").read_text(encoding="utf-8")
    pin = re.search(
        r"^sphinx-autobuild==(\S+)$", (REPO / "requirements-test.in").read_text(), re.MULTILINE
    )
    assert pin and f"\nsphinx-autobuild=={pin[1]} \\\n    --hash=sha256:" in lock


@pytest.fixture()
def preview(tmp_path: Path):
    source = tmp_path / "book"
    shutil.copytree(ROOT, source)
    shutil.copy(REPO / "_config.yml", source / "_config.yml")
    running = LivePreview(source, tmp_path / "preview.log")
    yield running
    running.stop()


@pytest.mark.site
def test_live_preview_shows_each_save_and_reloads_the_page(preview):
    from websockets.sync.client import connect

    source, posts = preview.source, preview.source / "book"
    first = preview.fetch("book/first.html")
    assert first is not None
    assert "The first post sets out the notation used by every later part." in first
    # The page carries the script that reloads it, on the preview's own WebSocket.
    socket_url = f"ws://127.0.0.1:{preview.port}/websocket-reload"
    assert f'new WebSocket("{socket_url}")' in first
    assert "window.location.reload()" in first
    # The preview builds into its own folder: what `jupyter-book build` keeps is untouched.
    assert (source / "_build" / "preview" / "book" / "first.html").is_file()
    assert not (source / "_build" / "html").exists()
    assert not (source / "_build" / ".doctrees").exists()

    with connect(socket_url) as browser:
        # A prose edit: the served page changes, and the page is told to reload.
        edit(posts / "first.md", "sets out the notation", "sets out, edited, the notation")
        preview.wait_for(
            lambda: "sets out, edited, the notation" in (preview.fetch("book/first.html") or ""),
            120,
            "the prose edit in the served page",
        )
        assert browser.recv(timeout=60) == "refresh"

        # A title shows in every page's navigation: the other pages are written again too.
        edit(posts / "first.md", "title: The first post", "title: The opening post")
        preview.wait_for(
            lambda: "The opening post" in (preview.fetch("book/second.html") or ""),
            120,
            "the new title in another page's navigation",
        )
        assert browser.recv(timeout=60) == "refresh"

        # The lead image is drawn by code: editing the script draws it again, and what the
        # build writes into the book's folder does not set off another build.
        image = source / "_build" / "preview" / "_images" / "first.png"
        drawn = image.read_bytes()
        edit(posts / "first.image.py", "#f5c542", "#42a5f5")
        preview.wait_for(lambda: image.read_bytes() != drawn, 120, "the lead image drawn again")
        assert browser.recv(timeout=60) == "refresh"

        # _config.yml: the preview's Sphinx configuration follows it.
        edit(
            source / "_config.yml",
            "title: Demystifying Deep Learning",
            "title: Demystifying Deep Learning, previewed",
        )
        preview.wait_for(
            lambda: (
                "Demystifying Deep Learning, previewed" in (preview.fetch("book/second.html") or "")
            ),
            120,
            "the _config.yml edit in the served page",
        )
        assert browser.recv(timeout=60) == "refresh"

    changes = DETECTED.findall(preview.log())
    assert changes == ["book/first.md", "book/first.md", "book/first.image.py", "_config.yml"], (
        "each save, and nothing the builds write, sets off a build"
    )


@pytest.mark.site
def test_live_preview_reloads_the_page_open_in_chromium(preview):
    """The page open in a browser reloads itself after a save, and shows it."""
    from browser.browser_site import CHROMIUM, CHROMIUM_FLAGS

    if not Path(CHROMIUM).exists():
        message = f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(f"{message} (CI must have it: .ci/run installs it)", pytrace=False)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    saved = "A last paragraph of prose, saved while the page is open."
    with tempfile.TemporaryDirectory() as profile, sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS
        )
        try:
            page = context.new_page()
            page.goto(f"{preview.url}/book/second.html", wait_until="load")
            assert saved not in page.content()
            page.evaluate("window.openedBeforeTheSave = true")  # a reload forgets it
            with page.expect_event("load", timeout=120_000):
                edit(preview.source / "book" / "second.md", "A last paragraph of prose.", saved)
            assert saved in page.content()
            assert page.evaluate("window.openedBeforeTheSave") is None
        finally:
            context.close()
