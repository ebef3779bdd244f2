"""The blog's Sphinx glue: events that read front matter and put the blog's parts on pages.

Kept thin: reading and checking is in :mod:`.frontmatter`; what the HTML says is in
:mod:`.series`, :mod:`.blog_index`, :mod:`.social`, :mod:`.comments`, :mod:`.redirects` and
:mod:`.feed`. Everything a post says is kept in ``env.ddl_posts`` (docname -> Post).
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.errors import SphinxError
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective
from sphinx.util.osutil import relative_uri

from ..core.problems import Problem
from ..core.records import write_if_changed
from . import blog_index, checks, comments, feed, frontmatter, rebuild, redirects, series, social
from .feed import FEED_FILE
from .frontmatter import Post, slugify
from .site_config import ConfigSource, baseurl_problem, giscus_problems

logger = logging.getLogger(__name__)
STATIC = Path(__file__).parents[1] / "static"


class FrontMatterError(SphinxError):
    """Raised after reading when a page's front matter or content, or a setting the pages
    need, is wrong; nothing is written. Each problem has been logged once, as an error naming
    its file and line; the exception only counts them (``problems`` holds them)."""

    category = "Site check failed"

    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        super().__init__(message)
        self.problems = list(problems or [])


class SettingsError(FrontMatterError):
    """Raised when the site's configuration is wrong, before any page is read."""

    category = "Configuration error"


def _summary(problems: list, where: str, what: str) -> str:
    """``3 problems <where>, each reported above as an ERROR with <what>``, or one."""
    if len(problems) == 1:
        return f"1 problem {where}, reported above as an ERROR with {what}"
    return f"{len(problems)} problems {where}, each reported above as an ERROR with {what}"


class post_header(nodes.General, nodes.Element):
    """Where the series, part, date and reading time go (filled in when writing)."""


class series_nav(nodes.General, nodes.Element):
    """Where the series box goes."""


class comments_slot(nodes.General, nodes.Element):
    """Where the comment thread goes, on posts with ``comments: true``."""


class post_index(nodes.General, nodes.Element):
    """Where the blog index goes."""


class PostIndex(SphinxDirective):
    """``{post-index}``: list the posts from their front matter (option ``:series:``)."""

    has_content = False
    option_spec = {"series": lambda text: (text or "").strip()}

    def run(self) -> list[nodes.Node]:
        self.env.ddl_index_docs.add(self.env.docname)
        return [post_index(series=self.options.get("series") or None)]


# -- storage on the environment --------------------------------------------------------------


def _init_env(app: Sphinx, env=None, *args) -> None:
    env = env or app.env
    for name, factory in (
        ("ddl_posts", dict),
        ("ddl_problems", dict),
        ("ddl_words", dict),
        ("ddl_index_docs", set),
    ):
        if not hasattr(env, name):
            setattr(env, name, factory())


def _purge(app: Sphinx, env, docname: str) -> None:
    _init_env(app, env)
    env.ddl_posts.pop(docname, None)
    env.ddl_problems.pop(docname, None)
    env.ddl_words.pop(docname, None)
    env.ddl_index_docs.discard(docname)


def _merge(app: Sphinx, env, docnames, other) -> None:
    _init_env(app, env)
    for name in ("ddl_posts", "ddl_problems", "ddl_words"):
        getattr(env, name).update(
            {d: v for d, v in getattr(other, name, {}).items() if d in docnames}
        )
    env.ddl_index_docs |= {d for d in getattr(other, "ddl_index_docs", set()) if d in docnames}


def _outdated(app: Sphinx, env, added, changed, removed) -> list[str]:
    """A post added or removed: re-read every post and index (their checks read the other
    posts). A post that changed is read alone: the pages that show something of it (series
    boxes, index, navigation) are written again, without being read (:mod:`.rebuild`)."""
    if added | removed:
        return sorted((set(env.ddl_posts) | env.ddl_index_docs) - set(removed))
    return []


# -- reading ---------------------------------------------------------------------------------


def _source_path(app: Sphinx, docname: str) -> str:
    return Path(app.env.doc2path(docname)).relative_to(app.srcdir).as_posix()


def _log(problem: Problem, docname: str | None) -> None:
    """Log one problem, once: as ``<page>:<line>: ERROR: <message>`` for a page, and as
    ``ERROR: <file>:<line>: <message>`` for a file that is not a page (``_config.yml``)."""
    location = (docname, problem.line) if docname else None
    logger.error(
        problem.message if docname else str(problem),
        location=location,
        type="ddl",
        subtype="frontmatter",
    )


def on_source_read(app: Sphinx, docname: str, source: list[str]) -> None:
    _init_env(app)
    srcdir = Path(app.srcdir)
    path = _source_path(app, docname)
    reading = frontmatter.read_post(source[0], path, exists=lambda p: (srcdir / p).is_file())
    problems = list(reading.problems)
    if reading.post is not None:
        myst = getattr(app.env, "myst_config", None)  # the configuration MyST parses with
        problems += frontmatter.check_no_repeated_title(source[0], reading.post, myst)
        problems += checks.check_post(
            source[0], path, _package_definitions(app), checks.sibling_posts(srcdir / path), myst
        )
    if problems:  # logged with every other problem once all pages are read
        app.env.ddl_problems.setdefault(docname, []).extend(problems)
    elif reading.post is not None:
        app.env.ddl_posts[docname] = reading.post
    source[0] = reading.source


def _package_definitions(app: Sphinx) -> dict[str, str]:
    """The package's public functions and classes, read once per build."""
    if not hasattr(app, "_ddl_definitions"):
        folder = Path(app.srcdir) / app.config.ddl_package_dir
        app._ddl_definitions = (
            checks.package_definitions(folder, Path(app.srcdir)) if folder.is_dir() else {}
        )
    return app._ddl_definitions


def constant_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    """``{constant}`0.9```: a number that is a constant of the maths or a quoted fact, not a
    computed result (so the check for unglued numbers lets it pass). Rendered as plain text."""
    return [nodes.inline(rawtext, text, classes=["ddl-const"])], []


def _words(doctree: nodes.document) -> int:
    skip = (nodes.literal_block, nodes.math_block, nodes.raw, nodes.comment)
    return sum(
        len(node.astext().split())
        for node in doctree.findall(nodes.Text)
        if not any(isinstance(a, skip) for a in _ancestors(node))
    )


def _ancestors(node: nodes.Node):
    while node.parent is not None:
        node = node.parent
        yield node


def on_doctree_read(app: Sphinx, doctree: nodes.document) -> None:
    """Place the header, lead image, series box and comment slot (before images are collected)."""
    docname = app.env.docname
    post = app.env.ddl_posts.get(docname)
    if post is None:
        return
    app.env.ddl_words[docname] = _words(doctree)
    section = doctree.next_node(nodes.section)
    if section is None or not isinstance(section[0], nodes.title):
        return
    added: list[nodes.Node] = [post_header()]
    if post.image:
        figure = nodes.figure(ids=["lead-image"], classes=["ddl-lead-image"])
        figure += nodes.image(uri="/" + post.image, alt=social.image_alt(post))
        if post.caption:
            figure += nodes.caption(text=post.caption)
        added.append(figure)
    if post.series:
        added.append(series_nav())
    section[1:1] = added
    if post.comments:
        section += comments_slot()


def _site_title(config) -> str:
    return config.html_title or config.project


def _baseurl(app: Sphinx) -> str:
    base = (app.config.html_baseurl or "").strip()
    return base.rstrip("/") + "/" if base else ""


def on_env_updated(app: Sphinx, env) -> list[str]:
    """Checks across pages; then log every problem found while reading, once each, and fail
    (before anything is written) if there is any."""
    _init_env(app, env)
    posts = env.ddl_posts
    cross: list[tuple[Problem, str | None]] = []
    doc_of = {post.path: d for d, post in posts.items()}
    for problem in frontmatter.check_series(list(posts.values())):
        cross.append((problem, doc_of.get(problem.path)))
    _, more = redirects.plan(posts, rebuild.site_files(app))
    cross += [(p, doc_of.get(p.path)) for p in more]
    source = ConfigSource.of(Path(app.srcdir))
    if posts and not _baseurl(app):
        cross.append((baseurl_problem(source), None))
    every = [(p, d) for d, found in env.ddl_problems.items() for p in found] + cross
    every.sort(key=lambda pd: (pd[0].path, pd[0].line or 0, pd[0].field))
    for problem, docname in every:
        _log(problem, docname)
    if every:
        raise FrontMatterError(
            _summary(every, "found", "its file and line") + "; nothing was written.",
            [p for p, _ in every],
        )
    asked = sorted(post.path for post in posts.values() if post.comments)
    if asked and not comments.is_configured(app.config.ddl_giscus):
        keys = source.listing("ddl_giscus", comments.REQUIRED)
        logger.info(comments.unconfigured_note(asked, source.file, keys))
    return []


# -- writing ---------------------------------------------------------------------------------


def _is_html(app: Sphinx) -> bool:
    return getattr(app.builder, "format", "") == "html"


def _image_url(app: Sphinx, post: Post, from_uri: str | None) -> str | None:
    """The lead image's URL, relative to ``from_uri`` (or absolute when it is None)."""
    if not post.image or post.image not in app.env.images:
        return None
    name = app.env.images[post.image][1]
    if hasattr(app.builder, "images"):
        app.builder.images[post.image] = name  # copied even if its post is not rewritten
    target = f"{getattr(app.builder, 'imagedir', '_images')}/{name}"
    return _baseurl(app) + target if from_uri is None else relative_uri(from_uri, target)


def on_doctree_resolved(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    env = app.env
    post = env.ddl_posts.get(docname)
    html = _is_html(app)
    here = app.builder.get_target_uri(docname)
    docs = {p.path: d for d, p in env.ddl_posts.items()}

    def url(p: Post) -> str:
        return app.builder.get_relative_uri(docname, docs[p.path]) or "#"

    def put(node: nodes.Node, text: str) -> None:
        node.replace_self(nodes.raw("", text, format="html") if html and text else [])

    for node in list(doctree.findall(post_header)):
        tag_urls = {t: relative_uri(here, f"tags/{slugify(t)}.html") for t in post.tags}
        put(node, series.header_html(post, env.ddl_words.get(docname, 0), tag_urls))
    for node in list(doctree.findall(series_nav)):
        members = series.by_series(env.ddl_posts.values())[post.series]
        put(node, series.series_nav_html(post, members, {p.path: url(p) for p in members}))
    giscus = app.config.ddl_giscus
    for node in list(doctree.findall(comments_slot)):
        put(node, comments.embed_html(giscus) if comments.is_configured(giscus) else "")
    for node in list(doctree.findall(post_index)):
        put(
            node,
            blog_index.index_html(
                list(env.ddl_posts.values()),
                url,
                lambda p: _image_url(app, p, here),
                node["series"],
            ),
        )


def on_html_page_context(
    app: Sphinx, pagename: str, templatename: str, context: dict, doctree
) -> None:
    posts = app.env.ddl_posts
    if not posts:
        return
    feed_href = relative_uri(app.builder.get_target_uri(pagename), FEED_FILE)
    context["metatags"] = context.get("metatags", "") + (
        f'<link rel="alternate" type="application/atom+xml" '
        f'title="{escape(_site_title(app.config))}" href="{feed_href}" />\n'
    )
    post = posts.get(pagename)
    if post is None:
        return
    context["metatags"] += social.meta_tags(post)
    context["meta"] = {
        **(context.get("meta") or {}),
        **social.og_fields(post, _image_url(app, post, None)),
    }


def on_collect_pages(app: Sphinx):
    """The tag pages: each written again only when what it shows changed (:mod:`.rebuild`);
    the page of a tag no post has any more is removed."""
    posts = list(app.env.ddl_posts.values())
    docs = {p.path: d for d, p in app.env.ddl_posts.items()}
    for page in rebuild.gone_pages(app, "tags/"):
        (Path(app.outdir) / f"{page}.html").unlink(missing_ok=True)
    app._ddl_tag_pages = []
    for tag, tagged in blog_index.tags_of(posts).items():
        page = rebuild.tag_page(tag)
        app._ddl_tag_pages.append(page)
        if rebuild.is_current(app, page):
            continue
        here = page + ".html"
        body = blog_index.tag_page_html(
            tag,
            tagged,
            lambda p, here=here: relative_uri(here, app.builder.get_target_uri(docs[p.path])),
            lambda p, here=here: _image_url(app, p, here),
        )
        yield page, {"title": f"Posts tagged “{tag}”", "body": body}, "page.html"


def on_build_finished(app: Sphinx, exception: BaseException | None) -> None:
    if exception is not None or not _is_html(app) or not app.env.ddl_posts:
        return
    outdir = Path(app.outdir)
    base = _baseurl(app)
    posts = app.env.ddl_posts
    files, _ = redirects.plan(posts, rebuild.site_files(app))
    for name, docname in sorted(files.items()):
        target = app.builder.get_target_uri(docname)
        page = redirects.redirect_page(
            relative_uri(name, target), base + target, posts[docname].title
        )
        write_if_changed(outdir / name, page)
    entries = [
        feed.Entry(p.title, base + app.builder.get_target_uri(d), p.date, p.excerpt, p.tags)
        for d, p in sorted(posts.items())
    ]
    write_if_changed(
        outdir / FEED_FILE,
        feed.atom(
            _site_title(app.config),
            base,
            base + FEED_FILE,
            app.config.author or app.config.project,
            entries,
        ),
    )


# -- configuration ---------------------------------------------------------------------------


def on_config_inited(app: Sphinx, config) -> None:
    """Check the comment settings before any page is read (a wrong one stops the build, once);
    one base URL for canonical links, Open Graph and the sitemap; no generated cards."""
    problems = giscus_problems(config.ddl_giscus, ConfigSource.of(Path(app.srcdir)))
    for problem in problems:
        _log(problem, None)
    if problems:
        raise SettingsError(
            _summary(problems, "in the configuration", "its file, line and key")
            + "; nothing was read or written.",
            problems,
        )
    if not config.ogp_site_url and config.html_baseurl:
        config.ogp_site_url = config.html_baseurl
    if config.ogp_site_name is None:
        config.ogp_site_name = _site_title(config)
    if config.ogp_social_cards is None:
        config.ogp_social_cards = {"enable": False}
    if config.sitemap_url_scheme == "{lang}{version}{link}":
        config.sitemap_url_scheme = "{link}"
    if not config.sitemap_excludes:
        config.sitemap_excludes = ["search.html", "genindex.html", "py-modindex.html"]
    config.html_static_path = [*config.html_static_path, str(STATIC)]


def page_part(app: Sphinx, path: str, text: str) -> int | None:
    """The part a page is of its series (``None`` for a page that is no part): the order in
    which the sync wing's equation index lists the pages."""
    post = frontmatter.read_post(text, path, exists=lambda p: True).post
    return post.part if post is not None else None


def setup(app: Sphinx) -> dict[str, Any]:
    """Usable on its own (``extensions = ["ddl_site.blog.events"]``) or through ``ddl_site``."""
    app.setup_extension("sphinxext.opengraph")
    app.setup_extension("sphinx_sitemap")
    app.add_config_value("ddl_giscus", {}, "html", types=Any)  # checked here
    app.add_config_value("ddl_package_dir", "src/ddl", "env", types=[str])
    app.add_role("constant", constant_role)
    app.add_node(post_header)
    app.add_node(series_nav)
    app.add_node(comments_slot)
    app.add_node(post_index)
    app.add_directive("post-index", PostIndex)
    app.add_css_file("ddl_site.css")
    app.connect("config-inited", on_config_inited)
    app.connect("builder-inited", _init_env)
    app.connect("env-before-read-docs", lambda app, env, docnames: _init_env(app, env))
    app.connect("env-purge-doc", _purge)
    app.connect("env-merge-info", _merge)
    app.connect("env-get-outdated", _outdated)
    app.connect("source-read", on_source_read)
    app.connect("doctree-read", on_doctree_read, priority=400)
    app.connect("env-updated", on_env_updated)
    app.connect("doctree-resolved", on_doctree_resolved)
    app.connect("html-page-context", on_html_page_context, priority=400)
    app.connect("html-collect-pages", on_collect_pages)
    app.connect("build-finished", on_build_finished)
    app.setup_extension("ddl_site.sync.equation_links")  # equations linked to their code and test
    app.setup_extension("ddl_site.blog.plurals")  # a glued 1 is never followed by a plural noun
    app.connect("ddl-page-part", page_part)  # the equation index lists posts in part order
    return {"parallel_read_safe": True, "parallel_write_safe": True}
