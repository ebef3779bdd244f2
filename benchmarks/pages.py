"""What each page of the built site costs a reader: bytes, requests, time until the maths shows.

Serves the built site (``_build/html``, or the folder given) from 127.0.0.1, loads every page
in Debian's Chromium with an empty cache, and prints bytes transferred, number of requests and
the time until the maths is visible, on desktop (unthrottled) and on a simulated slow mobile
(1.6 Mbit/s, 150 ms RTT, 4x CPU slowdown, as Lighthouse's mobile preset). Flags any post over
1.5 MB transferred. Then runs Lighthouse (pinned in package.json) on the landing page and on
the heaviest post, with the mobile and desktop presets, and prints the performance and
accessibility scores of the median of ``--runs`` runs (goal: 95 or more).

"Maths visible" is the latest of: first contentful paint, the end of every download of the maths
stylesheet, fonts or scripts, and (for MathJax) the end of typesetting.

    .venv/bin/python benchmarks/pages.py [SITE_HTML_FOLDER] [--no-lighthouse] [--runs N]

Needs /usr/bin/chromium (apt-get install chromium) and ``python -m ddl_site.pages.node npm ci`` (for
Lighthouse).
Exits non-zero when a post is over budget or a Lighthouse score is under 95.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import gzip
import http.server
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
POST_BUDGET = 1_500_000  # bytes transferred by one post
SCORE_GOAL = 95
# Lighthouse's mobile preset: slow 4G and a mid-range phone's CPU.
MOBILE = {"latency": 150, "download": 1_638_400 / 8, "upload": 750_000 / 8, "cpu": 4}
MATHS_ASSET = ("/_static/katex/", "mathjax", "tex-mml-chtml")


# --- serving and browsing ------------------------------------------------------------------


COMPRESSIBLE = {".html", ".css", ".js", ".json", ".svg", ".txt", ".xml", ".map", ".ipynb"}


@functools.lru_cache(maxsize=512)
def gzipped(path: str, mtime: float) -> bytes:
    return gzip.compress(Path(path).read_bytes(), compresslevel=6, mtime=0)


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves files as GitHub Pages does: text compressed with gzip when the browser asks."""

    def log_message(self, format: str, *args) -> None:
        pass

    def do_GET(self) -> None:
        path = Path(self.translate_path(self.path))
        accepts = "gzip" in self.headers.get("Accept-Encoding", "")
        if not (accepts and path.is_file() and path.suffix in COMPRESSIBLE):
            return super().do_GET()
        body = gzipped(str(path), path.stat().st_mtime)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class QuietServer(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address) -> None:
        # A browser that drops a connection it no longer needs (Lighthouse does) is no error.
        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)


@contextlib.contextmanager
def serve(folder: Path) -> Iterator[str]:
    """Serve ``folder`` from 127.0.0.1 on a free port, in threads; yield its base URL."""
    handler = functools.partial(QuietHandler, directory=str(folder))
    server = QuietServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@contextlib.contextmanager
def launch():
    """Debian's Chromium, headless, with a fresh profile and no background networking."""
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as profile, sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS
        )
        try:
            yield context
        finally:
            context.close()


@dataclass
class Load:
    url: str
    bytes: int = 0
    requests: int = 0
    fcp: float = 0.0
    maths_assets_end: float = 0.0
    typeset_end: float | None = None
    has_maths: bool = False
    resources: list[dict] = field(default_factory=list)


# Notes when MathJax (if any) has finished typesetting the page.
MATHJAX_WATCH = """
window.__typesetEnd = null;
const __watch = setInterval(() => {
  const startup = window.MathJax && window.MathJax.startup;
  if (startup && startup.promise) {
    clearInterval(__watch);
    startup.promise.then(() => { window.__typesetEnd = performance.now(); });
  }
}, 1);
"""


def measure(context, url: str, profile: str = "desktop") -> Load:
    """Load ``url`` in a new tab with the cache disabled; return what it cost."""
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    load = Load(url)
    encoded: dict[str, int] = {}
    in_flight: set[str] = set()
    last_change = [time.monotonic()]

    def sent(event: dict) -> None:
        in_flight.add(event["requestId"])
        last_change[0] = time.monotonic()

    def finished(event: dict) -> None:
        encoded[event["requestId"]] = event.get("encodedDataLength", 0)
        in_flight.discard(event["requestId"])
        last_change[0] = time.monotonic()

    cdp.on("Network.requestWillBeSent", sent)
    cdp.on("Network.loadingFinished", finished)
    cdp.on("Network.loadingFailed", finished)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    if profile == "mobile":
        cdp.send(
            "Network.emulateNetworkConditions",
            {
                "offline": False,
                "latency": MOBILE["latency"],
                "downloadThroughput": MOBILE["download"],
                "uploadThroughput": MOBILE["upload"],
            },
        )
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": MOBILE["cpu"]})
    page.add_init_script(MATHJAX_WATCH)
    page.goto(url, wait_until="load", timeout=120_000)
    page.wait_for_function(
        "() => !(window.MathJax && window.MathJax.startup) || window.__typesetEnd !== null",
        timeout=120_000,
        polling=50,
    )
    # The network is quiet: nothing in flight for half a second (fonts come after layout).
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        page.wait_for_timeout(100)
        if not in_flight and time.monotonic() - last_change[0] > 0.5:
            break
    timings = page.evaluate("""() => ({
        fcp: (performance.getEntriesByName('first-contentful-paint')[0] || {}).startTime || 0,
        typesetEnd: window.__typesetEnd,
        hasMaths: !!document.querySelector('.katex, mjx-container, .math'),
        resources: performance.getEntriesByType('resource').map(r => ({
            name: r.name, end: r.responseEnd, size: r.transferSize})),
    })""")
    page.close()
    load.bytes = sum(encoded.values())
    load.requests = len(encoded)
    load.fcp = timings["fcp"]
    load.typeset_end = timings["typesetEnd"]
    load.has_maths = timings["hasMaths"]
    load.resources = timings["resources"]
    load.maths_assets_end = max(
        (r["end"] for r in load.resources if any(m in r["name"] for m in MATHS_ASSET)),
        default=0.0,
    )
    return load


def maths_visible_ms(load: Load) -> float | None:
    """When the last piece needed to show the maths arrived (None for a page with no maths)."""
    if not load.has_maths:
        return None
    return max(load.fcp, load.maths_assets_end, load.typeset_end or 0.0)


# --- the site's pages ----------------------------------------------------------------------


def is_redirect(path: Path) -> bool:
    head = path.read_text(encoding="utf-8", errors="replace")[:2000].lower()
    return 'http-equiv="refresh"' in head


def site_pages(html: Path) -> list[str]:
    """Every page a reader can land on (redirect stubs and Sphinx's own indexes left out)."""
    pages = []
    for path in sorted(html.rglob("*.html")):
        relative = path.relative_to(html).as_posix()
        if relative.startswith(("_static/", "_sources/", "_downloads/", "_images/")):
            continue
        if any(part.startswith(".") for part in path.relative_to(html).parts):
            continue  # not part of the site (a tool's folder left in the output)
        if relative in {"genindex.html", "search.html"} or is_redirect(path):
            continue
        pages.append(relative)
    return pages


def is_post(relative: str) -> bool:
    return relative.startswith("book/") and relative != "book/index.html"


# --- Lighthouse ----------------------------------------------------------------------------


def lighthouse(url: str, preset: str) -> dict[str, int]:
    """Performance and accessibility scores (0-100) of ``url`` with ``preset``."""
    binary = REPO / "node_modules" / ".bin" / "lighthouse"
    if not binary.exists():
        raise SystemExit(
            "Lighthouse is not installed: run `python -m ddl_site.pages.node npm ci` at the repository's root"
        )
    with tempfile.TemporaryDirectory() as temp:
        report = Path(temp) / "report.json"
        command = [
            str(binary),
            url,
            "--quiet",
            "--output=json",
            f"--output-path={report}",
            "--only-categories=performance,accessibility",
            f"--chrome-flags={' '.join(CHROMIUM_FLAGS)} --user-data-dir={temp}/profile",
        ]
        if preset == "desktop":
            command.append("--preset=desktop")
        # Lighthouse's script starts with `#!/usr/bin/env node`: run it with the locked Node.js.
        from ddl_site.pages import node

        env = {**node.environment(), "CHROME_PATH": CHROMIUM}
        result = subprocess.run(
            command, capture_output=True, text=True, env=env, timeout=300, check=False
        )
        if result.returncode != 0 or not report.exists():
            raise SystemExit(f"Lighthouse failed on {url}:\n{result.stderr[-3000:]}")
        data = json.loads(report.read_text())
    scores = {name: round(category["score"] * 100) for name, category in data["categories"].items()}
    audits = data["audits"]
    scores["fcp_ms"] = round(audits["first-contentful-paint"]["numericValue"])
    scores["lcp_ms"] = round(audits["largest-contentful-paint"]["numericValue"])
    scores["tbt_ms"] = round(audits["total-blocking-time"]["numericValue"])
    scores["cls"] = audits["cumulative-layout-shift"]["numericValue"]
    scores["bytes"] = round(audits["total-byte-weight"]["numericValue"])
    # An audit Lighthouse could not run (say, a Chromium its trace reader does not know) is
    # reported, not silently scored around.
    scores["errors"] = sorted(
        f"{key}: {audit.get('errorMessage', '')[:120]}"
        for key, audit in audits.items()
        if audit.get("scoreDisplayMode") == "error"
    )
    return scores


# --- the report ----------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("html", nargs="?", type=Path, default=REPO / "_build" / "html")
    parser.add_argument("--no-lighthouse", action="store_true")
    parser.add_argument(
        "--runs", type=int, default=3, help="Lighthouse runs per page and preset (median kept)"
    )
    args = parser.parse_args()
    html = args.html.resolve()
    if not (html / "index.html").exists():
        raise SystemExit(f"no built site in {html}: run README's build command first")
    pages = site_pages(html)
    problems = []
    heaviest = None
    with serve(html) as base, launch() as browser:
        print(f"{'page':58} {'bytes':>10} {'requests':>8} {'maths ms':>9} {'mobile ms':>9}")
        for relative in pages:
            desktop = measure(browser, f"{base}/{relative}", "desktop")
            mobile = measure(browser, f"{base}/{relative}", "mobile")
            shown = maths_visible_ms(desktop)
            shown_mobile = maths_visible_ms(mobile)
            flag = ""
            if is_post(relative) and desktop.bytes > POST_BUDGET:
                flag = "  OVER 1.5 MB"
                problems.append(f"{relative} transfers {desktop.bytes:,} bytes")
            print(
                f"{relative:58} {desktop.bytes:>10,} {desktop.requests:>8} "
                f"{'-' if shown is None else f'{shown:.0f}':>9} "
                f"{'-' if shown_mobile is None else f'{shown_mobile:.0f}':>9}{flag}"
            )
            if is_post(relative) and (heaviest is None or desktop.bytes > heaviest[1]):
                heaviest = (relative, desktop.bytes)
        if not args.no_lighthouse:
            targets = ["index.html"] + ([heaviest[0]] if heaviest else [])
            print(
                f"\nLighthouse {'page':46} {'preset':8} {'perf':>5} {'a11y':>5} "
                f"{'FCP ms':>7} {'LCP ms':>7} {'TBT ms':>7} {'CLS':>6} {'bytes':>9}"
            )
            for relative in targets:
                for preset in ("mobile", "desktop"):
                    # Lighthouse varies from run to run; its authors advise the median of
                    # several runs. The run with the median performance score is reported.
                    runs = sorted(
                        (lighthouse(f"{base}/{relative}", preset) for _ in range(args.runs)),
                        key=lambda scores: scores["performance"],
                    )
                    scores = runs[len(runs) // 2]
                    print(
                        f"           {relative:46} {preset:8} {scores['performance']:>5} "
                        f"{scores['accessibility']:>5} {scores['fcp_ms']:>7} "
                        f"{scores['lcp_ms']:>7} {scores['tbt_ms']:>7} {scores['cls']:>6.3f} "
                        f"{scores['bytes']:>9,}"
                    )
                    if len(runs) > 1:
                        spread = ", ".join(str(r["performance"]) for r in runs)
                        print(f"             performance in {len(runs)} runs: {spread}")
                    for error in scores["errors"]:
                        print(f"             audit error: {error}")
                        problems.append(f"{relative} ({preset}): Lighthouse audit error {error}")
                    for category in ("performance", "accessibility"):
                        if scores[category] < SCORE_GOAL:
                            problems.append(
                                f"{relative} ({preset}): {category} {scores[category]} "
                                f"< {SCORE_GOAL}"
                            )
    if problems:
        print("\nOver budget or under goal:\n  " + "\n  ".join(problems))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
