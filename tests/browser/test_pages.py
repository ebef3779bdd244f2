"""Every page of the built site, loaded in Chromium: no errors, nothing from elsewhere, maths
typeset, images loaded and described, and no serious or critical accessibility violations."""

from __future__ import annotations

import pytest

from .browser_site import dumps, is_local, page_urls, posts

pytestmark = pytest.mark.site

PAGES = page_urls()
POSTS = {f"{post.docname}.html": post for post in posts()}

# Text a reader sees, leaving out code (where TeX may legitimately be quoted) and the MathML
# annotations that keep each equation's TeX for assistive technology.
VISIBLE_TEXT = """() => {
  const skip = new Set(['SCRIPT', 'STYLE', 'PRE', 'CODE', 'ANNOTATION', 'TEXTAREA', 'NOSCRIPT']);
  const out = [];
  const walk = (node) => {
    if (node.nodeType === Node.TEXT_NODE) { out.push(node.textContent); return; }
    if (node.nodeType !== Node.ELEMENT_NODE || skip.has(node.tagName.toUpperCase())) return;
    if (node.closest('.highlight, .cell_output, .katex-mathml')) return;
    const style = getComputedStyle(node);
    if (style.display === 'none' || style.visibility === 'hidden') return;
    for (const child of node.childNodes) walk(child);
  };
  walk(document.body);
  return out.join(' ');
}"""


@pytest.mark.parametrize("relative", PAGES)
def test_page_loads_cleanly_from_this_site_only(visit, relative):
    page = visit(relative)
    assert not page.console_errors, dumps(page.console_errors)
    assert not page.failed, dumps(page.failed)
    elsewhere = [url for url in page.requested if not is_local(url)]
    assert not elsewhere, "requests outside 127.0.0.1:\n" + dumps(elsewhere)


@pytest.mark.parametrize("relative", PAGES)
def test_no_raw_tex_and_every_equation_typeset(visit, relative):
    page = visit(relative)
    text = page.page.evaluate(VISIBLE_TEXT)
    for raw in ("$$", "\\frac", "\\begin", "\\end{", "\\partial", "\\sum"):
        assert raw not in text, f"raw TeX {raw!r} is visible on {relative}"
    counts = page.page.evaluate("""() => ({
        maths: document.querySelectorAll('span.math, div.math').length,
        typeset: [...document.querySelectorAll('span.math, div.math')]
                   .filter(m => m.querySelector('.katex')).length,
        katex: document.querySelectorAll('.katex').length,
        mathjax: document.querySelectorAll('script[src*="mathjax" i], mjx-container').length,
    })""")
    assert counts["maths"] == counts["typeset"], dumps(counts)
    assert counts["mathjax"] == 0, "MathJax is requested"
    post = POSTS.get(relative)
    if post is not None:
        assert (counts["katex"] > 0) == post.has_maths, (
            f"{post.docname}.md {'has' if post.has_maths else 'has no'} maths; page: {counts}"
        )


@pytest.mark.parametrize("relative", PAGES)
def test_every_image_loaded_and_described(visit, relative):
    page = visit(relative)
    # Scroll to every image as a reader would: lazy images load, and animation players (which
    # start when they come near the view) show their first frame.
    page.page.evaluate("""async () => {
        const frame = () => new Promise(done => requestAnimationFrame(() => setTimeout(done, 0)));
        for (const img of document.images) { img.loading = 'eager'; img.scrollIntoView(); await frame(); }
        const deadline = Date.now() + 10000;
        while ([...document.images].some(img => !img.src) && Date.now() < deadline) { await frame(); }
        const settle = (img) => Promise.race([img.decode().catch(() => null),
                                              new Promise(done => setTimeout(done, 10000))]);
        await Promise.all([...document.images].map(settle));
    }""")
    images = page.page.evaluate("""() => [...document.images].map(img => ({
        src: img.currentSrc || img.src, width: img.naturalWidth,
        alt: img.getAttribute('alt'),
        inPicture: img.parentElement.tagName === 'PICTURE',
        decorative: img.getAttribute('role') === 'presentation' ||
                    img.getAttribute('aria-hidden') === 'true'}))""")
    broken = [image for image in images if image["width"] == 0]
    assert not broken, "images that did not load:\n" + dumps(broken)
    undescribed = [i for i in images if not (i["alt"] or "").strip() and not i["decorative"]]
    assert not undescribed, "images without alt text:\n" + dumps(undescribed)
    # Lead images are offered as WebP; the browser takes it rather than the PNG or JPEG.
    not_webp = [i for i in images if i["inPicture"] and not i["src"].endswith(".webp")]
    assert not not_webp, "lead images not shown as WebP:\n" + dumps(not_webp)


AXE_RUN = """async () => {
    const result = await axe.run(document, {resultTypes: ['violations']});
    return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ': ' + n.failureSummary)}));
}"""
# What is off screen is rendered only when the reader scrolls near it (content-visibility):
# this makes the whole page rendered, as the reader who scrolls through it sees it.
RENDER_ALL = "* { content-visibility: visible !important; }"


@pytest.mark.parametrize("relative", PAGES)
def test_no_serious_or_critical_accessibility_violations(visit, axe_source, relative):
    page = visit(relative)
    page.page.add_script_tag(content=axe_source)
    # As loaded (as Lighthouse checks it), then with every part of the page rendered.
    for state in ("as loaded", "rendered whole"):
        if state == "rendered whole":
            page.page.add_style_tag(content=RENDER_ALL)
        result = page.page.evaluate(AXE_RUN)
        bad = [v for v in result if v["impact"] in {"serious", "critical"}]
        assert not bad, f"axe-core on {relative} ({state}):\n" + dumps(bad)
