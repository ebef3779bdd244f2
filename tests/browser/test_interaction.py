"""What a reader does with a page, once it has loaded light: search from the dialog, open the
header's menus from the keyboard, copy code, play an animation, follow a link to a section
that was off screen, and reach a code block that scrolls sideways with the keyboard.

Pages leave off screen content unrendered until it comes near (``content-visibility: auto``),
do not load the search index, and measure scrollable blocks as they come near the screen
(``ddl_site/assets.py``); these tests check that nothing a reader does is lost by it."""

from __future__ import annotations

import re

import pytest

from .browser_site import posts

pytestmark = pytest.mark.site

POSTS = posts()


def _post_with(site, needle: str):
    for post in POSTS:
        if needle in site.page(post.docname):
            return post
    pytest.fail(f"no post has {needle!r}")


def bring_into_view(page, locator) -> None:
    """Scroll until ``locator`` is on screen, as a reader would: the sections above it are
    laid out as they come near, so one jump can land short of it."""
    height = page.evaluate("innerHeight")
    last = None
    for _ in range(20):
        locator.evaluate("el => el.scrollIntoView({block: 'center'})")
        page.wait_for_timeout(100)
        box = locator.bounding_box()
        if box and box == last and box["y"] < height and box["y"] + box["height"] > 0:
            return  # on screen, and nothing above it moved it since
        last = box
    pytest.fail(f"could not scroll {locator} into view")


@pytest.fixture
def page(browser_context):
    tab = browser_context.new_page()
    yield tab
    tab.close()


def test_the_search_dialog_opens_from_the_keyboard_and_finds_a_post(site, page, base_url):
    post = max(POSTS, key=lambda p: p.part or 0)
    page.goto(f"{base_url}/{post.docname}.html")
    # The search index is not part of the post...
    assert page.evaluate("typeof Search") == "undefined"
    page.keyboard.press("Control+k")
    field = page.locator("#pst-search-dialog input[name=q]")
    field.wait_for(state="visible")
    assert page.evaluate("document.getElementById('pst-search-dialog').open")
    # ...the search page loads it, and finds the series' first post by its title's words.
    first = min((p for p in POSTS if p.part is not None), key=lambda p: p.part)
    words = [w for w in re.findall(r"[A-Za-z]{6,}", first.title)]
    assert words, first.title
    field.fill(words[0])
    field.press("Enter")
    page.wait_for_url(re.compile(r"/search\.html\?"))
    page.wait_for_selector("#search-results ul.search li a")
    hits = page.locator("#search-results ul.search li a").evaluate_all(
        "links => links.map(a => a.href.split('#')[0])"
    )
    assert f"{base_url}/{first.docname}.html" in hits, (words[0], hits)


def test_the_header_menus_open_from_the_keyboard(page, base_url):
    post = POSTS[len(POSTS) // 2]
    page.goto(f"{base_url}/{post.docname}.html")
    toggle = page.locator('.article-header-buttons button[data-bs-toggle="dropdown"]').first
    menu = toggle.locator("xpath=following-sibling::ul[contains(@class, 'dropdown-menu')]")
    assert not menu.is_visible()
    toggle.focus()
    page.keyboard.press("Enter")
    menu.wait_for(state="visible")
    assert toggle.get_attribute("aria-expanded") == "true"
    page.keyboard.press("Escape")
    menu.wait_for(state="hidden")


def test_the_copy_button_copies_the_code(browser_context, page, base_url, site):
    post = _post_with(site, 'class="highlight-ipython3')
    browser_context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url)
    page.goto(f"{base_url}/{post.docname}.html")
    # A code cell whose input shows (not one folded away in a "show code" box).
    block = page.locator("article div.cell_input div.highlight:not(details div)").nth(1)
    bring_into_view(page, block)
    block.hover()
    block.locator("button.copybtn").click()
    copied = page.evaluate("navigator.clipboard.readText()")
    code = block.locator("pre").inner_text()
    assert copied.strip() and copied.strip() == code.strip()


def test_an_animation_plays_frame_by_frame(site, page, base_url):
    post = _post_with(site, "_anim_img")
    page.goto(f"{base_url}/{post.docname}.html")
    frame = page.locator("img[id^=_anim_img]").first
    bring_into_view(page, frame)
    page.wait_for_function(
        "img => img.currentSrc && img.complete && img.naturalWidth > 0", arg=frame.element_handle()
    )
    player = frame.locator("xpath=ancestor::div[contains(@class, 'animation')][1]")
    player.locator('button[aria-label="Pause"]').click()
    player.locator('button[aria-label="First frame"]').click()
    first = frame.evaluate("img => img.currentSrc")
    player.locator('button[aria-label="Next frame"]').click()
    page.wait_for_function(
        "([img, src]) => img.currentSrc !== src", arg=[frame.element_handle(), first]
    )
    slider = player.locator('input[type="range"]')
    assert slider.input_value() == "1"


def test_a_link_to_a_section_far_down_shows_that_section(site, page, base_url):
    post = max(POSTS, key=lambda p: len(site.page(p.docname)))
    ids = re.findall(r'<section id="([^"]+)">', site.page(post.docname))
    assert len(ids) > 3, ids
    target = ids[-1]
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{base_url}/{post.docname}.html#{target}")
    page.wait_for_timeout(500)
    heading = page.locator(f"section#{target} > :is(h2, h3, h4)").first
    box = heading.bounding_box()
    assert box is not None and 0 <= box["y"] < 844, box
    # The sections between were left unrendered as the page loaded, and rendered content
    # is unchanged: the heading reads as in the source.
    assert (
        page.evaluate(
            "getComputedStyle(document.querySelector('.bd-article section section')).contentVisibility"
        )
        == "auto"
    )
    assert heading.inner_text().strip().rstrip("#").strip()
    # On a wide screen, the page's table of contents leads there too.
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{base_url}/{post.docname}.html")
    page.locator(f'nav.page-toc a[href="#{target}"]').click()
    page.wait_for_timeout(500)
    box = heading.bounding_box()
    assert box is not None and 0 <= box["y"] < 900, box


def test_code_that_scrolls_sideways_keeps_its_tab_stop_and_the_rest_lose_theirs(page, base_url):
    post = max(POSTS, key=lambda p: p.part or 0)
    page.goto(f"{base_url}/{post.docname}.html")
    page.wait_for_load_state("load")
    pres = page.locator("article pre")
    count = pres.count()
    assert count > 3
    # Before the reader scrolls near it, the last code block can be reached from the keyboard.
    assert pres.nth(count - 1).evaluate("pre => pre.tabIndex") == 0
    scrolling = still = 0
    for index in range(count):
        pre = pres.nth(index)
        if not pre.evaluate("pre => !pre.closest('details:not([open])')"):
            continue  # folded away
        bring_into_view(page, pre)
        scrolls = pre.evaluate("pre => pre.scrollWidth > pre.clientWidth")
        wanted = 0 if scrolls else -1
        page.wait_for_function(
            "([pre, wanted]) => pre.tabIndex === wanted", arg=[pre.element_handle(), wanted]
        )
        scrolling += scrolls
        still += not scrolls
    assert scrolling and still, (scrolling, still)
    # The reader tabs into a block that scrolls, and scrolls it with the arrow keys.
    wide = page.locator("article pre[tabindex='0']").first
    bring_into_view(page, wide)
    wide.focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.wait_for_function("pre => pre.scrollLeft > 0", arg=wide.element_handle())


def test_the_equations_column_is_as_wide_whichever_rows_are_on_screen(page, base_url):
    page.goto(f"{base_url}/book/equations.html")
    widths = "() => [...document.querySelectorAll('table.ddl-equation-index th')].map(th => th.getBoundingClientRect().width)"
    seen = [page.evaluate(widths)]
    height = page.evaluate("document.documentElement.scrollHeight")
    for y in range(0, height, max(height // 6, 1)):
        page.evaluate(f"window.scrollTo(0, {y})")
        page.wait_for_timeout(100)
        seen.append(page.evaluate(widths))
    # Every formula rendered: the widths the table would have without skipping any.
    page.add_style_tag(
        content=".ddl-equation-index td > div.math { content-visibility: visible !important; "
        "contain-intrinsic-size: none !important; }"
    )
    page.wait_for_timeout(100)
    full = page.evaluate(widths)
    for columns in seen:
        assert len(columns) == len(full)
        for now, rendered in zip(columns, full, strict=True):
            assert abs(now - rendered) <= 2, (columns, full)
