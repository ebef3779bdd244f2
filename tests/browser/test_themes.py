"""Light and dark themes both read well: text contrasts with its background, maths included.

Screenshots of one post in each theme are saved to test-artifacts/ (gitignored).
"""

from __future__ import annotations

import pytest

from .browser_site import ARTIFACTS, dumps, posts

pytestmark = pytest.mark.site

# The WCAG contrast of every sampled text element against the colour actually behind it.
CONTRAST = """() => {
  const rgba = (text) => {
    const m = text.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return [0, 0, 0, 0];
    const p = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const background = (el) => {
    for (let node = el; node; node = node.parentElement) {
      const c = rgba(getComputedStyle(node).backgroundColor);
      if (c[3] > 0.5) return c;
    }
    return rgba(getComputedStyle(document.documentElement).backgroundColor);
  };
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
                            return (x + 0.05) / (y + 0.05); };
  const sample = ['article p', 'article li', 'article h1', 'article h2', 'article a',
                  'article .katex', 'article .highlight pre', 'nav.ddl-series-nav a',
                  '.ddl-post-meta', '.bd-sidebar-primary a'];
  const out = [];
  for (const selector of sample) {
    for (const el of [...document.querySelectorAll(selector)].slice(0, 8)) {
      if (!el.offsetParent || !el.innerText.trim()) continue;
      const colour = rgba(getComputedStyle(el).color);
      out.push({selector, text: el.innerText.trim().slice(0, 40),
                ratio: ratio(colour, background(el))});
    }
  }
  return {page: lum(background(document.querySelector('article') || document.body)), out};
}"""


def _post_with_maths():
    with_maths = [p for p in posts() if p.has_maths]
    assert with_maths, "no post has maths: the series is full of it, so reading the posts broke"
    return with_maths[0]


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_theme_is_legible(browser_context, base_url, axe_source, theme):
    post = _post_with_maths()
    page = browser_context.new_page()
    try:
        page.goto(f"{base_url}/{post.docname}.html")
        # Use the theme's own switch until it shows the wanted theme.
        switch = page.locator(".theme-switch-button").first
        for _ in range(3):
            if page.evaluate("document.documentElement.dataset.theme") == theme:
                break
            switch.click()
        assert page.evaluate("document.documentElement.dataset.theme") == theme
        page.wait_for_timeout(300)  # colour transitions
        # What is off screen is rendered as the reader scrolls near it: render it all.
        page.add_style_tag(content="* { content-visibility: visible !important; }")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{post.slug}-{theme}.png"), full_page=False)
        result = page.evaluate(CONTRAST)
        if theme == "dark":
            assert result["page"] < 0.1, "the page background is not dark"
        else:
            assert result["page"] > 0.8, "the page background is not light"
        sampled = {item["selector"] for item in result["out"]}
        assert {"article p", "article .katex"} <= sampled, sampled
        poor = [item for item in result["out"] if item["ratio"] < 4.5]
        assert not poor, f"text under 4.5:1 contrast in the {theme} theme:\n" + dumps(poor)
        page.add_script_tag(content=axe_source)
        violations = page.evaluate("""async () => (await axe.run(document,
            {runOnly: ['color-contrast'], resultTypes: ['violations']})).violations.map(
            v => v.nodes.slice(0, 8).map(n => n.target.join(' ') + ': ' + n.failureSummary))""")
        assert not violations, dumps(violations)
    finally:
        # Leave the stored preference as the theme found it.
        page.evaluate("localStorage.removeItem('mode'); localStorage.removeItem('theme')")
        page.close()
