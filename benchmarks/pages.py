"""What each page of the built site costs a reader: bytes, requests, time until the maths shows.

Serves the built site (``_build/html``, or the folder given) from 127.0.0.1, loads every page
in Debian's Chromium with an empty cache, and prints bytes transferred, number of requests and
the time until the maths is visible, on desktop (unthrottled) and on a simulated slow mobile
(1.6 Mbit/s, 150 ms RTT, 4x CPU slowdown, as Lighthouse's mobile preset). Flags any post over
1.5 MB transferred. Then runs Lighthouse (pinned in package.json) ``--runs`` times on every page
a reader can reach from the site's navigation (the landing page, every post, the equations
page), with the mobile and desktop presets, and prints every run and the worst of them: the
goal is performance and accessibility of 95 or more, and a Total Blocking Time of at most
150 ms on mobile, in every run.

"Maths visible" is the latest of: first contentful paint, the end of every download of the maths
stylesheet, fonts or scripts, and (for MathJax) the end of typesetting.

    .venv/bin/python benchmarks/pages.py [SITE_HTML_FOLDER] [--no-lighthouse] [--lighthouse-only]
        [--runs N] [--page PAGE ...] [--preset mobile|desktop] [--reports FOLDER]

``--page`` picks pages (a path relative to the site, such as ``book/equations.html``, or a
part of one, such as ``lstm``), to iterate on one page; ``--reports`` keeps each run's
Lighthouse JSON (main-thread breakdown, boot-up time, DOM size, long tasks) in a folder.
The machine's load average is printed with every run: Lighthouse's simulated throttling scales
with real task durations, so runs on a busy machine score lower.

Needs /usr/bin/chromium (apt-get install chromium) and ``python -m ddl_site.pages.node npm ci`` (for
Lighthouse).
Exits non-zero when a post is over budget or a Lighthouse run is under goal.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import gzip
import http.server
import json
import os
import re
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
TBT_GOAL = 150  # ms, Total Blocking Time on mobile
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


NAV = re.compile(r'<nav class="bd-links bd-docs-nav"[^>]*>(.*?)</nav>', re.DOTALL)
HREF = re.compile(r'href="([^"#?]*)')


def reachable_pages(html: Path) -> list[str]:
    """The landing page and every page its navigation links to (posts, the equations page),
    relative to ``html``, in the navigation's order."""
    landing = html / "book" / "index.html"
    if not landing.exists():
        landing = html / "index.html"
    text = landing.read_text(encoding="utf-8")
    found = NAV.search(text)
    pages = [landing.relative_to(html).as_posix()]
    for href in HREF.findall(found.group(1) if found else ""):
        if not href or "://" in href:
            continue
        target = (landing.parent / href).resolve()
        relative = target.relative_to(html).as_posix()
        if target.is_file() and relative not in pages:
            pages.append(relative)
    return pages


def pick(pages: list[str], wanted: list[str]) -> list[str]:
    """The pages named (exactly, or by a part of their path) in ``wanted``."""
    chosen = []
    for name in wanted:
        exact = [p for p in pages if p == name]
        matches = exact or [p for p in pages if name in p]
        if not matches:
            raise SystemExit(f"no page matches {name!r}; pages: {', '.join(pages)}")
        chosen += [p for p in matches if p not in chosen]
    return chosen


def load_average() -> float:
    return os.getloadavg()[0]


def is_post(relative: str) -> bool:
    return relative.startswith("book/") and relative != "book/index.html"


# --- Lighthouse ----------------------------------------------------------------------------


def lighthouse(url: str, preset: str, keep: Path | None = None) -> dict:
    """Performance and accessibility scores (0-100) of ``url`` with ``preset``, and the
    load average when the run started; with ``keep``, Lighthouse's JSON is copied there."""
    binary = REPO / "node_modules" / ".bin" / "lighthouse"
    if not binary.exists():
        raise SystemExit(
            "Lighthouse is not installed: run `python -m ddl_site.pages.node npm ci` at the repository's root"
        )
    load = load_average()
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
        if keep is not None:
            keep.parent.mkdir(parents=True, exist_ok=True)
            keep.write_text(report.read_text())
    scores: dict = {
        name: round(category["score"] * 100) for name, category in data["categories"].items()
    }
    audits = data["audits"]
    scores["fcp_ms"] = round(audits["first-contentful-paint"]["numericValue"])
    scores["lcp_ms"] = round(audits["largest-contentful-paint"]["numericValue"])
    scores["tbt_ms"] = round(audits["total-blocking-time"]["numericValue"])
    scores["cls"] = audits["cumulative-layout-shift"]["numericValue"]
    scores["bytes"] = round(audits["total-byte-weight"]["numericValue"])
    scores["load"] = load
    scores["dom"] = round(audits.get("dom-size", {}).get("numericValue", 0))
    scores["main_ms"] = round(audits.get("mainthread-work-breakdown", {}).get("numericValue", 0))
    # An audit Lighthouse could not run (say, a Chromium its trace reader does not know) is
    # reported, not silently scored around.
    scores["errors"] = sorted(
        f"{key}: {audit.get('errorMessage', '')[:120]}"
        for key, audit in audits.items()
        if audit.get("scoreDisplayMode") == "error"
    )
    return scores


# --- the report ----------------------------------------------------------------------------


def under_goal(scores: dict, preset: str) -> list[str]:
    """What a Lighthouse run misses of the goals."""
    missed = [
        f"{category} {scores[category]} < {SCORE_GOAL}"
        for category in ("performance", "accessibility")
        if scores[category] < SCORE_GOAL
    ]
    if preset == "mobile" and scores["tbt_ms"] > TBT_GOAL:
        missed.append(f"TBT {scores['tbt_ms']} ms > {TBT_GOAL} ms")
    if preset == "desktop" and scores["performance"] < 100:
        missed.append(f"performance {scores['performance']} < 100")
    return missed


def run_lighthouse(
    base: str, targets: list[str], presets: list[str], runs: int, reports: Path | None
) -> list[str]:
    """Lighthouse ``runs`` times on each page with each preset: every run, then the worst."""
    problems = []
    header = (
        f"{'perf':>5} {'a11y':>5} {'FCP ms':>7} {'LCP ms':>7} {'TBT ms':>7} {'CLS':>6} "
        f"{'bytes':>9} {'DOM':>6} {'main ms':>8} {'load':>5}"
    )
    print(f"\nLighthouse {'page':50} {'preset':8} {'run':>5} {header}")

    def row(scores: dict) -> str:
        return (
            f"{scores['performance']:>5} {scores['accessibility']:>5} {scores['fcp_ms']:>7} "
            f"{scores['lcp_ms']:>7} {scores['tbt_ms']:>7} {scores['cls']:>6.3f} "
            f"{scores['bytes']:>9,} {scores['dom']:>6,} {scores['main_ms']:>8,} "
            f"{scores['load']:>5.2f}"
        )

    for relative in targets:
        for preset in presets:
            # Lighthouse varies from run to run: every run is shown, and the goal holds for
            # the worst (the lowest performance score, then the longest blocking time).
            results = []
            for number in range(1, runs + 1):
                keep = None
                if reports is not None:
                    keep = reports / f"{relative.replace('/', '_')}.{preset}.{number}.json"
                scores = lighthouse(f"{base}/{relative}", preset, keep)
                results.append(scores)
                print(f"           {relative:50} {preset:8} {number:>5} {row(scores)}", flush=True)
                for error in scores["errors"]:
                    print(f"             audit error: {error}")
                    problems.append(f"{relative} ({preset}): Lighthouse audit error {error}")
            worst = min(results, key=lambda s: (s["performance"], -s["tbt_ms"]))
            worst = {
                **worst,
                "accessibility": min(s["accessibility"] for s in results),
                "tbt_ms": max(s["tbt_ms"] for s in results),
            }
            print(f"           {relative:50} {preset:8} {'worst':>5} {row(worst)}", flush=True)
            problems += [f"{relative} ({preset}): {m}" for m in under_goal(worst, preset)]
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("html", nargs="?", type=Path, default=REPO / "_build" / "html")
    parser.add_argument("--no-lighthouse", action="store_true")
    parser.add_argument(
        "--lighthouse-only", action="store_true", help="skip the bytes and maths timings"
    )
    parser.add_argument("--runs", type=int, default=5, help="Lighthouse runs per page and preset")
    parser.add_argument(
        "--page",
        action="append",
        default=[],
        help="a page to measure (its path, or a part of it); repeatable; default: every page",
    )
    parser.add_argument(
        "--preset",
        action="append",
        choices=["mobile", "desktop"],
        default=[],
        help="Lighthouse preset; repeatable; default: both",
    )
    parser.add_argument("--reports", type=Path, help="keep each Lighthouse JSON in this folder")
    args = parser.parse_args()
    html = args.html.resolve()
    if not (html / "index.html").exists():
        raise SystemExit(f"no built site in {html}: run README's build command first")
    pages = site_pages(html)
    if args.page:
        pages = pick(pages, args.page)
    problems: list[str] = []
    print(f"load average: {load_average():.2f}")
    with serve(html) as base:
        if not args.lighthouse_only:
            with launch() as browser:
                problems += measure_pages(browser, base, pages)
        if not args.no_lighthouse:
            targets = reachable_pages(html)
            if args.page:
                targets = pick(targets, args.page)
            presets = args.preset or ["mobile", "desktop"]
            problems += run_lighthouse(base, targets, presets, args.runs, args.reports)
    print(f"load average: {load_average():.2f}")
    if problems:
        print("\nOver budget or under goal:\n  " + "\n  ".join(problems))
        return 1
    return 0


def measure_pages(browser, base: str, pages: list[str]) -> list[str]:
    """Bytes, requests and time until the maths shows, of every page; posts over budget."""
    problems = []
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
            f"{'-' if shown_mobile is None else f'{shown_mobile:.0f}':>9}{flag}",
            flush=True,
        )
    return problems


if __name__ == "__main__":
    sys.exit(main())
