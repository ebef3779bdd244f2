"""Fixtures for the browser tests: the built site served from 127.0.0.1, and Chromium.

Without /usr/bin/chromium (or axe-core from ``npm ci``) these tests skip on a developer's
machine, saying how to install it, and fail in CI (``CI`` set), where ``.ci/run`` installs it.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from .browser_site import AXE, CHROMIUM, CHROMIUM_FLAGS, REPO, serve


def _need(condition: bool, message: str) -> None:
    if condition:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{message} (CI must have it: .ci/run installs it)", pytrace=False)
    pytest.skip(message)


# --- serving and browsing -------------------------------------------------------------------


@pytest.fixture(scope="session")
def base_url(site) -> str:
    assert site.returncode == 0, "the site did not build:\n" + site.log[-3000:]
    with serve(site.html) as url:
        yield url


# Module-scoped: while Playwright runs, its event loop is the thread's running loop, which
# deadlocks asyncio code (nbclient, jupyter) in other tests that xdist gives the same worker.
@pytest.fixture(scope="module")
def browser_context():
    _need(
        Path(CHROMIUM).exists(),
        f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)",
    )
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as profile, sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            profile,
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_FLAGS,
            viewport={"width": 1280, "height": 900},
        )
        # The suite runs two workers on two cores beside notebook kernels and pip installs:
        # a large page (the equations page has over a thousand formulas) can take longer than
        # Playwright's default 30 s to go quiet under that load.
        context.set_default_timeout(120_000)
        context.set_default_navigation_timeout(120_000)
        yield context
        context.close()


@dataclass
class Visit:
    """A page as loaded once: what the browser logged and fetched, and a live tab on it."""

    url: str
    page: object
    console_errors: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    requested: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def visit(base_url, browser_context):
    """``visit("book/x.html")``: the page loaded once per test module (later calls reuse it)."""
    visits: dict[str, Visit] = {}

    def load(relative: str) -> Visit:
        if relative in visits:
            return visits[relative]
        page = browser_context.new_page()
        record = Visit(f"{base_url}/{relative}", page)
        page.on(
            "console", lambda m: record.console_errors.append(m.text) if m.type == "error" else None
        )
        page.on("pageerror", lambda e: record.console_errors.append(f"uncaught: {e}"))
        page.on("requestfailed", lambda r: record.failed.append(f"{r.url} ({r.failure})"))
        page.on(
            "response",
            lambda r: (
                record.failed.append(f"{r.url} (HTTP {r.status})") if r.status >= 400 else None
            ),
        )
        page.on("request", lambda r: record.requested.append(r.url))
        page.goto(record.url, wait_until="load")
        page.wait_for_load_state("networkidle")
        visits[relative] = record
        return record

    yield load
    for record in visits.values():
        with contextlib.suppress(Exception):
            record.page.close()


@pytest.fixture(scope="session")
def axe_source() -> str:
    _need(
        AXE.is_file(),
        f"{AXE.relative_to(REPO)} is missing: run `python -m ddl_site.pages.node npm ci` at the repo's root",
    )
    return AXE.read_text()
