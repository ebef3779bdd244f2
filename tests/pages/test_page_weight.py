"""What a page makes the browser wait for: scripts, stylesheets, fonts and images.

The speed figures themselves (Lighthouse, bytes per page) are measured by
``benchmarks/pages.py``; these tests pin down the mechanisms behind them, on small inputs and
on the real site.
"""

from __future__ import annotations

import base64
import hashlib
import io
import re
from pathlib import Path
from urllib.parse import unquote

import pytest
from bs4 import BeautifulSoup
from PIL import Image

from ddl_site.pages import icons, images, stylesheets
from ddl_site.pages.assets import defer_scripts, deferred

# --- scripts ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "tag",
    [
        '<script src="_static/doctools.js?v=1"></script>',
        '<script data-sd-tabs-storage-prefix="x-" src="design-tabs.js"></script>',
    ],
)
def test_a_script_file_is_deferred(tag):
    assert deferred(tag) == tag.replace("<script ", "<script defer ", 1)


@pytest.mark.parametrize(
    "tag",
    [
        '<script async="async" src="thebe.js"></script>',
        '<script defer src="a.js"></script>',
        '<script type="module" src="m.js"></script>',
        '<script type="text/x-thebe-config">{"a": 1}</script>',
        "<script>let toggleHintShow = 'Click to show';</script>",
        "<script>var togglebuttonSelector = '.toggle, .admonition.dropdown';</script>",
        '<script>const A = "x"; const b = ".cell"; let n = 3</script>',
    ],
)
def test_scripts_already_deferred_or_binding_literals_are_left_alone(tag):
    assert deferred(tag) == tag


@pytest.mark.parametrize(
    "body",
    [
        "DOCUMENTATION_OPTIONS.pagename = 'book/index';",
        'let a = "x"; if (a < b && c) { go("#top%20") }',
        "var x = y;",
    ],
)
def test_an_inline_script_that_uses_other_scripts_is_deferred_as_a_data_url(body):
    tag = deferred(f"<script>{body}</script>")
    match = re.fullmatch(r'<script defer src="data:text/javascript,([^"<>&#\s]*)"></script>', tag)
    assert match, tag
    assert unquote(match.group(1)) == body


def test_scripts_a_template_writes_are_deferred_by_the_same_rule():
    html = (
        '<meta name="x" content="y"/>\n<script src="_static/searchtools.js"></script>\n'
        "<script>let hint = 'Click';</script>\n<script>Search.init();</script>"
    )
    assert defer_scripts(html) == (
        '<meta name="x" content="y"/>\n<script defer src="_static/searchtools.js"></script>\n'
        "<script>let hint = 'Click';</script>\n"
        '<script defer src="data:text/javascript,Search.init();"></script>'
    )


# --- images ----------------------------------------------------------------------------------


def png(path: Path, size: tuple[int, int]) -> Path:
    Image.new("RGB", size, (200, 40, 40)).save(path)
    return path


def test_images_get_their_size_priority_and_lazy_loading(tmp_path):
    files = {
        "../_images/a.png": png(tmp_path / "a.png", (64, 32)),
        "../_images/b.png": png(tmp_path / "b.png", (10, 20)),
    }
    body = (
        '<p><img alt="first" src="../_images/a.png"></p>'
        '<img alt="second" src="../_images/b.png" class="x">'
        '<img alt="elsewhere" src="https://example.org/c.png">'
        '<img alt="chosen" src="../_images/b.png" loading="eager" width="5" height="10">'
    )
    out = images.improve_images(body, files.get, lambda file, src: None)
    tags = [images.attributes(t) for t in images.IMG.findall(out)]
    assert [t["alt"] for t in tags] == ["first", "second", "elsewhere", "chosen"]
    assert (tags[0]["width"], tags[0]["height"]) == ("64", "32")
    assert tags[0]["fetchpriority"] == "high" and "loading" not in tags[0]
    assert (tags[1]["width"], tags[1]["height"], tags[1]["loading"]) == ("10", "20", "lazy")
    assert "width" not in tags[2] and tags[2]["loading"] == "lazy"
    # What the page already says is kept.
    assert (tags[3]["width"], tags[3]["loading"]) == ("5", "eager")


def test_a_lead_image_is_offered_as_webp_in_the_widths_it_is_shown_at(tmp_path):
    lead = png(tmp_path / "lead.png", (800, 420))
    variants = images.write_webp(lead, tmp_path / "out")
    assert [w for _, w in variants] == [400, 800]
    for name, width in variants:
        with Image.open(tmp_path / "out" / name) as image:
            assert image.format == "WEBP"
            assert image.size == (width, round(420 * width / 800))
    # The name follows the drawing's bytes: a redrawn image is a new file.
    assert images.write_webp(lead, tmp_path / "out") == variants  # unchanged: same files
    Image.new("RGB", (800, 420), (0, 0, 0)).save(lead)
    assert images.write_webp(lead, tmp_path / "out")[0][0] != variants[0][0]

    body = '<img alt="lead" class="ddl-thumb" src="../_images/lead.png">'
    out = images.improve_images(
        body,
        {"../_images/lead.png": lead}.get,
        lambda file, src: [(f"../_images/{n}", w) for n, w in variants],
    )
    soup = BeautifulSoup(out, "html.parser")
    source = soup.select_one("picture > source")
    assert source["type"] == "image/webp"
    assert source["srcset"] == ", ".join(f"../_images/{n} {w}w" for n, w in variants)
    assert source["sizes"] == images.SIZES["ddl-thumb"]
    assert soup.select_one("picture > img")["src"] == "../_images/lead.png"


def test_animation_frames_leave_the_page_as_files():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.animation import FuncAnimation

    fig, ax = plt.subplots(figsize=(2, 2), dpi=50)
    (line,) = ax.plot([0, 1], [0, 0])
    animation = FuncAnimation(fig, lambda i: line.set_ydata([0, i]), frames=3)
    html = animation.to_jshtml()
    plt.close(fig)
    embedded = [
        base64.b64decode(data.replace("\\\n", "").replace("\n", ""))
        for data in re.findall(r'frames\[\d+\] = "data:image/png;base64,([^"]*)"', html)
    ]
    assert len(embedded) == 3

    written: list[bytes] = []

    def write(data: bytes, extension: str) -> str:
        written.append(data)
        return f"../_images/frame-{len(written)}.{extension}"

    out = images.externalise_frames(html, write)
    assert "data:image" not in out
    assert written == embedded
    assert re.findall(r'frames\[\d+\] = "([^"]*)"', out) == [
        f"../_images/frame-{i}.png" for i in (1, 2, 3)
    ]
    for data in written:
        assert Image.open(io.BytesIO(data)).format == "PNG"

    # The player starts when it nears the view, with the very statement matplotlib wrote.
    start = re.search(r"anim\w+ = new Animation\([^;]*\);", out).group(0)
    lazy = images.start_players_when_near(out)
    assert "}, 0);" not in lazy.split("Animation.prototype")[-1]
    assert lazy.count("new IntersectionObserver(") == 1 and start in lazy
    assert "observe(document.getElementById(img_id).parentNode)" in lazy
    # Its frame is the size of the frames before the first one arrives.
    width, height = Image.open(io.BytesIO(written[0])).size
    sized = images.size_animation_frames(lazy, {"../_images/frame-1.png": (width, height)}.get)
    img = images.attributes(re.search(r'<img id="_anim_img\w+"[^>]*>', sized).group(0))
    assert (img["width"], img["height"]) == (str(width), str(height))


# --- icons -----------------------------------------------------------------------------------


def test_icon_characters_come_from_the_classes_pages_use_and_from_stylesheets_alone():
    css = (
        '.fa-magnifying-glass:before,.fa-search:before{content:"\\f002"}'
        '.fa-moon:before{content:"\\f186"}'
        ".fa-solid,.fas{font-weight:900}"
        '.toc-toggle:after{content:"\\f105"}'
        ':root{--pst-icon-external-link:"\uf35d"}'
    )
    by_class, loose = icons.icon_map([css])
    assert by_class == {"magnifying-glass": {0xF002}, "search": {0xF002}, "moon": {0xF186}}
    assert loose == {0xF105, 0xF35D}
    page = '<i class="fa-solid fa-magnifying-glass"></i>'
    assert icons.needed([page], [css]) == {0xF002, 0xF105, 0xF35D}


def test_a_font_is_cut_to_the_characters_asked_for(tmp_path):
    import pydata_sphinx_theme
    from fontTools.ttLib import TTFont

    original = (
        Path(pydata_sphinx_theme.__file__).parent
        / "theme/pydata_sphinx_theme/static/vendor/fontawesome/webfonts/fa-solid-900.woff2"
    )
    font = tmp_path / original.name
    font.write_bytes(original.read_bytes())
    before, after = icons.subset_font(font, {0xF002, 0xF186})
    assert before == original.stat().st_size
    assert after < before / 20
    assert set(TTFont(font).getBestCmap()) == {0xF002, 0xF186}
    first = font.read_bytes()
    font.write_bytes(original.read_bytes())
    icons.subset_font(font, {0xF002, 0xF186})
    assert font.read_bytes() == first  # no timestamp: the same subset twice is the same file


# --- the real site ---------------------------------------------------------------------------

pages_of_site = pytest.mark.site


def site_pages(site) -> dict[str, BeautifulSoup]:
    found = {}
    for path in sorted(site.html.rglob("*.html")):
        relative = path.relative_to(site.html)
        if relative.parts[0] in {"_static", "_sources"}:
            continue
        text = path.read_text(encoding="utf-8")
        if 'http-equiv="Refresh"' in text[:500]:
            continue
        found[relative.as_posix()] = BeautifulSoup(text, "html.parser")
    return found


@pytest.fixture(scope="module")
def built(site):
    assert site.returncode == 0, site.log[-3000:]
    return site, site_pages(site)


def original_theme_css() -> str:
    import pydata_sphinx_theme

    return (
        Path(pydata_sphinx_theme.__file__).parent
        / "theme/pydata_sphinx_theme/static/styles/pydata-sphinx-theme.css"
    ).read_text()


ONLY_LITERALS = re.compile(
    r"""(\s*(let|var|const)\s+\w+\s*=\s*('[^']*'|"[^"]*"|true|false|\d+)\s*;?)+\s*"""
)


@pages_of_site
def test_no_script_holds_up_the_first_paint(built):
    _, pages = built
    blocking = []
    for name, soup in pages.items():
        for script in soup.head.find_all("script"):
            if script.get("type") not in (None, "text/javascript"):
                continue
            if script.has_attr("defer") or script.has_attr("async"):
                continue
            body = script.string or ""
            # The theme's colour-mode switch must run before the first paint, and settings
            # that only bind names to literals cost nothing.
            if "dataset.theme" in body or ONLY_LITERALS.fullmatch(body):
                continue
            blocking.append(f"{name}: {str(script)[:120]}")
        # A script preloaded in the head competes with the stylesheets for the connection.
        for link in soup.head.find_all("link", rel="preload", attrs={"as": "script"}):
            blocking.append(f"{name}: preloads {link['href']}")
    assert not blocking, "\n".join(blocking)


@pages_of_site
def test_no_thebe_assets_while_no_page_has_a_live_code_button(built):
    _, pages = built
    for name, soup in pages.items():
        head = str(soup.head)
        assert "sphinx-thebe" not in head and "THEBE_JS_URL" not in head, name


@pages_of_site
def test_every_site_image_states_its_true_size(built):
    site, pages = built
    checked = 0
    for name, soup in pages.items():
        for img in soup.find_all("img", src=True):
            if "_images/" not in img["src"]:
                continue
            file = (site.html / name).parent / img["src"]
            with Image.open(file) as image:
                assert (img.get("width"), img.get("height")) == tuple(map(str, image.size)), (
                    name,
                    img["src"],
                )
            checked += 1
    assert checked > 50


@pages_of_site
def test_posts_fetch_the_lead_image_first_as_webp_and_the_rest_lazily(built):
    site, pages = built
    posts = [n for n, s in pages.items() if s.select_one("figure#lead-image")]
    assert len(posts) >= 12
    for name in posts:
        soup = pages[name]
        imgs = soup.select("article img")
        lead = soup.select_one("figure#lead-image img")
        assert imgs[0] is lead and lead["fetchpriority"] == "high", name
        assert all(i.get("loading") == "lazy" for i in imgs[1:]), name
        source = soup.select_one("figure#lead-image picture > source")
        assert source["type"] == "image/webp"
        for candidate in source["srcset"].split(", "):
            url, width = candidate.split(" ")
            with Image.open((site.html / name).parent / url) as image:
                assert image.format == "WEBP" and f"{image.width}w" == width
        webp = (site.html / name).parent / source["srcset"].split(" ")[-2]
        original = (site.html / name).parent / lead["src"]
        assert webp.stat().st_size < original.stat().st_size


@pages_of_site
def test_the_landing_page_shows_webp_thumbnails_first_one_at_high_priority(built):
    _, pages = built
    soup = pages["book/index.html"]
    thumbs = soup.select("img.ddl-thumb")
    assert len(thumbs) >= 12
    assert thumbs[0]["fetchpriority"] == "high"
    assert all(t["loading"] == "lazy" for t in thumbs[1:])
    assert all(t.parent.name == "picture" for t in thumbs)


@pages_of_site
def test_animation_frames_are_files_not_page_text(built):
    site, pages = built
    animated = [n for n, s in pages.items() if s.find("img", id=re.compile("^_anim_img"))]
    assert animated
    for name in animated:
        text = (site.html / name).read_text()
        assert "data:image/png;base64" not in text, name
        frames = re.findall(r'frames\[\d+\] = "([^"]+)"', text)
        assert frames, name
        for url in frames:
            assert (site.html / name).parent.joinpath(url).is_file(), url
        assert not images.PLAYER_START.search(text), f"{name}: a player starts with the page"
        for img in pages[name].find_all("img", id=re.compile("^_anim_img")):
            assert img.get("width") and img.get("height"), name


@pages_of_site
def test_font_awesome_keeps_every_icon_the_pages_show_and_little_else(built):
    from fontTools.ttLib import TTFont

    site, pages = built
    by_class, _ = icons.icon_map([original_theme_css()])
    used = {c for soup in pages.values() for c in icons.USED_CLASS.findall(str(soup))}
    wanted = set().union(*(by_class.get(c, set()) for c in used))
    assert len(wanted) >= 10
    fonts = sorted((site.html / icons.FONTS).glob("*.woff2"))
    assert fonts
    covered = set()
    for font in fonts:
        assert font.stat().st_size < 10_000, font.name
        covered |= set(TTFont(font).getBestCmap())
    assert wanted <= covered, sorted(hex(c) for c in wanted - covered)


def split_selectors(group: str) -> list[str]:
    """``a, b:is(c, d)`` -> ``["a", "b:is(c, d)"]`` (commas inside brackets do not split)."""
    parts, depth, start = [], 0, 0
    for i, char in enumerate(group):
        depth += char in "(["
        depth -= char in ")]"
        if char == "," and depth == 0:
            parts.append(group[start:i])
            start = i + 1
    return [p.strip() for p in parts + [group[start:]] if p.strip()]


def selectors(css: str) -> set[str]:
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.DOTALL)
    found = set()
    for group in re.findall(r"([^{}]+)\{", css):
        if not group.strip().startswith("@"):
            found.update(re.sub(r"\s+", "", s) for s in split_selectors(group))
    return found


SIMPLE = re.compile(r"^[\w.:>+~\s-]+$")  # classes, elements, combinators, plain pseudo-classes


def needed_by(selector: str, classes: set[str], tags: set[str]) -> bool:
    """Whether every class and element a simple selector names is on some page."""
    if not SIMPLE.match(selector):
        return False
    names = re.findall(r"(^|[\s>+~])([a-z][a-z0-9]*)", selector)
    wanted_classes = set(re.findall(r"\.(-?[A-Za-z_][\w-]*)", selector))
    return bool(wanted_classes) and wanted_classes <= classes and {t for _, t in names} <= tags


@pages_of_site
def test_trimmed_theme_stylesheet_keeps_every_rule_the_pages_can_match(built):
    site, pages = built
    original = original_theme_css()
    trimmed = (site.html / "_static/styles/pydata-sphinx-theme.css").read_text()
    assert len(trimmed) < len(original) / 2
    classes = {c for soup in pages.values() for t in soup.find_all(class_=True) for c in t["class"]}
    tags = {t.name for soup in pages.values() for t in soup.find_all(True)}
    kept = selectors(trimmed)
    needed = {s for s in selectors(original) if needed_by(s, classes, tags)}
    assert len(needed) > 100
    lost = sorted(needed - kept)
    assert not lost, lost[:20]
    # Both colour themes survive: a script picks one from the reader's choice.
    assert "html[data-theme=dark]{" in trimmed and "html[data-theme=light]{" in trimmed
    assert "sourceMappingURL" not in trimmed


@pages_of_site
def test_own_and_maths_stylesheets_are_not_trimmed(built):
    site, _ = built
    static = site.html / "_static"
    trimmed = stylesheets.stylesheets(static)
    assert static / "ddl_site.css" not in trimmed
    assert not [p for p in trimmed if "katex" in p.parts]
    assert static / "styles" / "pydata-sphinx-theme.css" in trimmed


def test_pages_link_trimmed_stylesheets_by_their_new_version():
    html = (
        '<link href="../_static/styles/pydata-sphinx-theme.css?digest=55c2" rel="stylesheet" />'
        '<link rel="stylesheet" href="_static/pygments.css?v=03e43079" />'
        '<link rel="stylesheet" href="../../_static/pygments.css" />'
        '<link href="../_static/ddl_site.css?v=1"/>'
        '<a href="../_static/styles/pydata-sphinx-theme.css.map">map</a>'
    )
    out = stylesheets.revision_links(
        html, {"styles/pydata-sphinx-theme.css": "aaaa1111", "pygments.css": "bbbb2222"}
    )
    assert out == (
        '<link href="../_static/styles/pydata-sphinx-theme.css?v=aaaa1111" rel="stylesheet" />'
        '<link rel="stylesheet" href="_static/pygments.css?v=bbbb2222" />'
        '<link rel="stylesheet" href="../../_static/pygments.css?v=bbbb2222" />'
        '<link href="../_static/ddl_site.css?v=1"/>'
        '<a href="../_static/styles/pydata-sphinx-theme.css.map">map</a>'
    )


@pages_of_site
def test_every_link_to_a_trimmed_stylesheet_names_its_current_content(built):
    site, pages = built
    trimmed = set(stylesheets.stylesheets(site.html / "_static"))
    checked = 0
    for name, soup in pages.items():
        for link in soup.find_all("link", rel="stylesheet"):
            path, _, query = link["href"].partition("?")
            file = ((site.html / name).parent / path).resolve()
            if file in trimmed:
                assert query == f"v={stylesheets.version(file)}", (name, link["href"])
                checked += 1
    assert checked > 100


def test_an_animation_takes_its_cells_alt_text():
    from docutils import nodes

    from ddl_site.pages import assets

    def cell(alt):
        container = nodes.container(
            cell_metadata={"mystnb": {"image": {"alt": alt}}} if alt else {}
        )
        output = nodes.container()
        output += nodes.raw("", '<div><img id="_anim_imgabc"></div>', format="html")
        container += output
        document = nodes.document(None, None)
        document += container
        return document

    described = cell("Six paths\n  race to the star & stop")
    assets.describe_animations(None, described)
    assert (
        '<img id="_anim_imgabc" alt="Six paths race to the star &amp; stop">' in described.astext()
    )
    plain = cell(None)
    assets.describe_animations(None, plain)
    assert '<img id="_anim_imgabc">' in plain.astext()  # left for the generic name


# --- what a page is shipped ------------------------------------------------------------------


def test_search_scripts_are_taken_out_and_nothing_else():
    from ddl_site.pages.assets import without_search_scripts

    html = (
        '<meta name="viewport" content="width=device-width"/>\n'
        '<script src="../_static/searchtools.js"></script>\n'
        '<script src="../_static/language_data.js"></script>\n'
        '<script src="../searchindex.js"></script>\n'
        '<script src="../_static/doctools.js?v=1"></script>'
    )
    assert without_search_scripts(html) == (
        '<meta name="viewport" content="width=device-width"/>\n'
        '<script src="../_static/doctools.js?v=1"></script>'
    )


def test_sphinx_design_is_recognised_by_its_classes():
    from ddl_site.pages.assets import uses_sphinx_design

    assert uses_sphinx_design('<div class="sd-tab-set docutils">')
    assert uses_sphinx_design('<div class="docutils sd-card">')
    assert not uses_sphinx_design('<div class="highlight">sd-card in prose</div>')
    assert not uses_sphinx_design('<div class="cell-sd-x">')


def test_the_theme_script_measures_scrollable_elements_only_as_they_come_near():
    import pydata_sphinx_theme

    from ddl_site.pages.assets import THEME_SCRIPT, theme_script

    folder = Path(pydata_sphinx_theme.__file__).parent / "theme" / "pydata_sphinx_theme"
    source = (folder / "static" / THEME_SCRIPT).read_text(encoding="utf-8")
    measuring = re.compile(r"(\w+)\.tabIndex=\1\.scrollWidth>")
    assert len(measuring.findall(source)) == 1  # the pinned theme measures as the page loads
    script = theme_script(source)
    assert not measuring.search(script)
    assert "new IntersectionObserver(" in script and re.search(r"ddlTabStop\(\w+\)", script)
    # The rest of the theme's script is untouched.
    check = re.search(
        r"(\w+)\.tabIndex=\1\.scrollWidth>\1\.clientWidth\|\|\1\.scrollHeight>\1\.clientHeight\?0:-1",
        source,
    )
    element = check.group(1)
    assert script.endswith(f"{source[: check.start()]}ddlTabStop({element}){source[check.end() :]}")
    with pytest.raises(ValueError, match="pinned pydata-sphinx-theme"):
        theme_script("function f(){}")


@pages_of_site
def test_only_the_search_page_loads_the_search_index(built):
    _, pages = built
    with_index = sorted(
        name
        for name, soup in pages.items()
        if soup.find("script", src=re.compile(r"(^|/)searchindex\.js"))
        or soup.find("script", src=re.compile(r"searchtools\.js"))
    )
    assert with_index == ["search.html"]


@pages_of_site
def test_sphinx_design_assets_only_on_pages_that_use_it(built):
    _, pages = built
    for name, soup in pages.items():
        uses = soup.find(class_=re.compile(r"^sd-")) is not None
        head = str(soup.head)
        assert ("design-tabs" in head) == uses, name
        assert ("sphinx-design" in head) == uses, name


@pages_of_site
def test_pages_load_the_sites_theme_script_by_its_content(built):
    site, pages = built
    script = site.html / "_static" / "scripts" / "pydata-sphinx-theme.ddl.js"
    digest = hashlib.sha256(script.read_bytes()).hexdigest()[:8]
    checked = 0
    for name, soup in pages.items():
        sources = [s["src"] for s in soup.find_all("script", src=True)]
        if not any("_static/" in source for source in sources):
            continue  # a page without the theme (an old address's redirect)
        theme = [s for s in sources if "pydata-sphinx-theme" in s]
        prefix = "../" * name.count("/") + "_static/scripts/"
        assert theme == [f"{prefix}pydata-sphinx-theme.ddl.js?v={digest}"], name
        checked += 1
    assert checked > 10


def test_code_blocks_are_recognised_where_copy_buttons_go():
    from ddl_site.pages.assets import has_code_blocks, is_copybutton

    assert has_code_blocks(
        '<div class="highlight-ipython3 notranslate"><div class="highlight"><pre>'
    )
    assert has_code_blocks('<div class="highlight">\n<pre><span></span>x = 1</pre>')
    assert not has_code_blocks('<div class="highlight-ipython3 notranslate">')
    assert not has_code_blocks("<p>The <code>highlight</code> of the post</p><pre>")
    assert is_copybutton("copybutton.js") and is_copybutton("_static/clipboard.min.js")
    assert is_copybutton("copybutton.css") and not is_copybutton("togglebutton.js")


@pages_of_site
def test_copy_button_assets_only_on_pages_with_code(built):
    _, pages = built
    with_code = 0
    for name, soup in pages.items():
        code = soup.select_one("div.highlight pre") is not None
        head = str(soup.head)
        for asset in ("copybutton.js", "clipboard.min.js", "copybutton.css"):
            assert (asset in head) == code, (name, asset)
        with_code += code
    assert 0 < with_code < len(pages)
