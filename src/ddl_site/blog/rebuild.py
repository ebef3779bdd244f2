"""Rebuilds that read and write only what an edit changed, and write what a clean build would.

Sphinx re-reads a page when its own file (or a file it noted as a dependency) changed, and
writes the pages it re-read. What a page shows from *other* pages it does not follow: the
navigation (every page's title, in the table of contents' order), a post's series box (the
parts' numbers and titles), the blog index (every post's title, date, excerpt, tags and lead
image), equation numbers and labels it refers to. This module keeps, for every page, a digest
of what it shows from elsewhere and of what it is written with (the configuration, the
templates, this package's code): its *view*. Once the changed pages are read
(``env-get-updated``), every page whose view changed is written again, from its pickled
doctree, without being read. So an edit to one post's prose reads and writes that post alone
(and the root page, which Sphinx always writes); a new title writes every page. The tag pages,
which are not documents, are written only when their view changed (:func:`is_current`).

The views of the pages as last written are kept in ``<doctrees>/ddl-views.json``. They, and
the other records of what was written, are saved only by the ``html`` builder and only after a
build that did not fail (:func:`failed`: an error, or a warning under ``-W``). A build that
fails on warnings under ``--keep-going`` also removes Sphinx's saved environment, so the next
build reads every page again and warns again.

What a rebuild writes must be what a clean build writes; besides the views this module:

* completes the sitemap (:func:`complete_sitemap`: sphinx-sitemap lists only the pages
  written by the build);
* prunes the search index of words no page has any more (:func:`prune_search_index`);
* removes the figures and redirect pages earlier builds wrote that no page makes any more,
  recorded in ``<doctrees>/ddl-written.json`` (:func:`remove_gone_files`);
* keeps what it wrote with :mod:`ddl_site.core.records` (:func:`write_if_changed`: an
  unchanged file keeps its time; :func:`code_digest`: what is kept between builds is kept with
  the digest of the code that computed it).

:func:`written` tells the passes that run after the pages are written (stylesheet trimming,
icon subsetting, the notebooks of pages not written) which pages this build wrote.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx

from ..core.records import code_digest, digest, file_digest

VIEWS_FILE = "ddl-views.json"


# The parts of the domains' data a reference to another page can show: labels, titles, numbers.
DOMAIN_KEYS = {
    "std": ("labels", "anonlabels", "objects", "progoptions"),
    "math": ("objects",),
    "py": ("objects", "modules"),
    "citation": ("citations",),
}


def _post_fields(post) -> dict[str, Any]:
    return {
        "path": post.path,
        "title": post.title,
        "date": post.date.isoformat(),
        "series": post.series,
        "part": post.part,
        "image": post.image,
        "caption": post.caption,
        "excerpt": post.excerpt,
        "redirect_from": list(post.redirect_from),
        "comments": post.comments,
        "tags": list(post.tags),
    }


def navigation_view(env) -> str:
    """What every page shows of the whole site: titles and table of contents (navigation,
    previous and next links), references' targets, figure and equation numbers, parts."""
    docs = sorted(env.found_docs)
    domains = {
        name: {key: env.domaindata.get(name, {}).get(key) for key in keys}
        for name, keys in DOMAIN_KEYS.items()
    }
    posts = getattr(env, "ddl_posts", {})
    return digest(
        {
            "titles": {d: env.titles[d].astext() for d in docs if d in env.titles},
            "longtitles": {d: env.longtitles[d].astext() for d in docs if d in env.longtitles},
            "tocs": {d: env.tocs[d].pformat() for d in docs if d in env.tocs},
            "toctrees": {d: env.toctree_includes.get(d, []) for d in docs},
            "secnumbers": {d: env.toc_secnumbers.get(d) for d in docs},
            "fignumbers": {d: env.toc_fignumbers.get(d) for d in docs},
            "domains": domains,
            "parts": {d: (p.path, p.title, p.part) for d, p in posts.items()},
        }
    )


def site_view(app: Sphinx) -> str:
    """What every page is written with besides the documents: the configuration (Sphinx's
    build info: the digest of the configuration and of the tags), the templates (those of the
    site and of the theme, as Sphinx follows them) and this package's code. When one changes,
    Sphinx writes every document again; the tag pages, which are not documents, follow it."""
    info = getattr(app.builder, "build_info", None)
    folders = getattr(getattr(app.builder, "templates", None), "pathchain", None) or []
    templates = []
    for number, folder in enumerate(folders):
        root = Path(folder)
        for path in sorted(root.rglob("*.html")) if root.is_dir() else []:
            templates.append((number, path.relative_to(root).as_posix(), file_digest(path)))
    here = Path(__file__).parents[1]
    code = sorted(
        p.relative_to(here).as_posix() for p in [*here.rglob("*.py"), *here.rglob("*.cjs")]
    )
    return digest(
        [
            getattr(info, "config_hash", None),
            getattr(info, "tags_hash", None),
            templates,
            code_digest(*code),
        ]
    )


def views(app: Sphinx, env) -> dict[str, str]:
    """For every page, a digest of what it shows from other pages and of what it is written
    with (:func:`site_view`)."""
    posts = getattr(env, "ddl_posts", {})
    index_docs = getattr(env, "ddl_index_docs", set())
    nav = digest([navigation_view(env), site_view(app)])
    srcdir = Path(app.srcdir)
    series: dict[str, list] = {}
    for docname, post in sorted(posts.items()):
        if post.series:  # the series box: each part's number and title, linked
            series.setdefault(post.series, []).append((docname, post.path, post.part, post.title))
    index = None
    if index_docs or posts:
        # A lead image's WebP copies are named by a digest of its bytes.
        images = {
            p.image: (file_digest(srcdir / p.image), (env.images.get(p.image) or (None, None))[1])
            for p in posts.values()
            if p.image
        }
        index = digest(
            [sorted((d, _post_fields(p)) for d, p in posts.items()), sorted(images.items())]
        )
    found = {}
    for docname in env.found_docs:
        parts = [nav]
        post = posts.get(docname)
        if post is not None and post.series:
            parts.append(digest(series[post.series]))
        if docname in index_docs:
            parts.append(index)
        found[docname] = digest(parts)
    # The tag pages (generated, not documents): navigation, and the posts they list.
    from .blog_index import tags_of

    for tag in tags_of(list(posts.values())):
        found[tag_page(tag)] = digest([nav, index, tag])
    return found


def tag_page(tag: str) -> str:
    """The page name of a tag's page."""
    from .frontmatter import slugify

    return f"tags/{slugify(tag)}"


def is_current(app: Sphinx, pagename: str) -> bool:
    """Whether a generated page, as last written, shows what it would show now."""
    current = getattr(app, "_ddl_views", None) or {}
    if not hasattr(app, "_ddl_written_views"):
        app._ddl_written_views = _read_views(app)
    suffix = getattr(app.builder, "out_suffix", ".html")
    return (
        pagename in current
        and app._ddl_written_views.get(pagename) == current[pagename]
        and (Path(app.outdir) / f"{pagename}{suffix}").is_file()
    )


def gone_pages(app: Sphinx, prefix: str) -> list[str]:
    """Generated pages under ``prefix`` written by an earlier build that this one no longer
    makes (a tag no post has any more)."""
    current = getattr(app, "_ddl_views", None) or {}
    if not hasattr(app, "_ddl_written_views"):
        app._ddl_written_views = _read_views(app)
    return sorted(p for p in app._ddl_written_views if p.startswith(prefix) and p not in current)


def _views_path(app: Sphinx) -> Path:
    return Path(app.doctreedir) / VIEWS_FILE


def _read_views(app: Sphinx) -> dict[str, str]:
    try:
        data = json.loads(_views_path(app).read_text(encoding="utf-8"))
        return dict(data) if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def on_env_get_updated(app: Sphinx, env) -> list[str]:
    """The pages, not re-read, whose view changed since they were last written."""
    current = views(app, env)
    app._ddl_views = current
    written_views = _read_views(app)
    return sorted(
        d for d, view in current.items() if d in env.found_docs and written_views.get(d) != view
    )


def on_html_page_context(app: Sphinx, pagename: str, templatename, context, doctree) -> None:
    app._ddl_written.add(pagename)


def written(app: Sphinx) -> set[str]:
    """The pages this build wrote (documents and generated pages such as the search page), by
    page name: ``<outdir>/<name>.html``. None written means Sphinx copied no theme file either."""
    return set(getattr(app, "_ddl_written", set()))


def prune_search_index(app: Sphinx) -> list:
    """Once every page written is in the search index (``html-collect-pages``, before it is
    dumped): drop the words no page has any more. Sphinx keeps them, with no page, when the
    pages that had them are written again; a clean build never saw them."""
    indexer = getattr(app.builder, "indexer", None)
    for name in ("_mapping", "_title_mapping"):
        mapping = getattr(indexer, name, None)
        if isinstance(mapping, dict):
            for word in [w for w, docs in mapping.items() if not docs]:
                del mapping[word]
    return []


def complete_sitemap(app: Sphinx, exception: BaseException | None) -> None:
    """sphinx-sitemap lists the pages written by this build; a rebuild writes some of them.
    Before it writes ``sitemap.xml``, give it every page, in the order a clean build writes
    them: the documents by name, then the pages generated after them (written by every build
    that writes anything). A build that wrote nothing leaves the sitemap as it is."""
    links = getattr(app, "sitemap_links", None)
    if exception is not None or links is None or not written(app):
        return
    import queue

    collected = []
    while True:
        try:
            collected.append(links.get_nowait())
        except queue.Empty:
            break
    suffix = app.config.html_file_suffix or ".html"
    docs = {f"{d}{suffix}" for d in app.env.found_docs}
    excludes = list(app.config.sitemap_excludes or [])
    from fnmatch import fnmatch

    lastmod = dict(collected)

    def listed(names) -> list[tuple[str, str | None]]:
        links = (f"{name}{suffix}" for name in names)
        return [
            (link, lastmod.get(link))
            for link in links
            if not any(fnmatch(link, pattern) for pattern in excludes)
        ]

    # The tag pages, written or (unchanged) not, in the order a clean build writes them.
    tags = list(getattr(app, "_ddl_tag_pages", []))
    tag_links = {f"{name}{suffix}" for name in tags}
    every = listed(sorted(app.env.found_docs))
    every += [(link, when) for link, when in collected if link not in docs | tag_links]
    every += listed(tags)
    for item in every:
        links.put(item)


def remove_gone_files(app: Sphinx) -> None:
    """Remove what earlier builds wrote that a clean build would not: images of ``_images/``
    no page shows any more (a figure a code cell no longer draws) and redirect pages no post
    asks for any more. What was written is kept in ``<doctrees>/ddl-written.json``."""
    from . import redirects

    outdir = Path(app.outdir)
    record = Path(app.doctreedir) / "ddl-written.json"
    try:
        before = json.loads(record.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        before = {}
    imagedir = getattr(app.builder, "imagedir", "_images")
    now = {
        "images": sorted(f"{imagedir}/{name}" for _, name in app.env.images.values()),
        "redirects": [],
    }
    posts = getattr(app.env, "ddl_posts", {})
    from .blog_index import tags_of

    # Pages: a redirect that went may have made way for one.
    pages = {
        d: Path(app.env.doc2path(d)).relative_to(app.srcdir).as_posix() for d in app.env.found_docs
    }
    site_files = redirects.site_files(pages, tags_of(list(posts.values())))
    if posts:
        files, _ = redirects.plan(posts, site_files)
        now["redirects"] = sorted(files)
    for kind, names in now.items():
        for name in sorted(set(before.get(kind, [])) - set(names)):
            if kind == "images" or name not in site_files:
                (outdir / name).unlink(missing_ok=True)
    if before != now:
        record.parent.mkdir(parents=True, exist_ok=True)
        record.write_text(json.dumps(now, indent=1), encoding="utf-8")


def failed(app: Sphinx, exception: BaseException | None) -> bool:
    """Whether the build fails: it raised, or it warned and warnings fail it (``-W``). With
    ``-W --keep-going`` Sphinx goes on to the end and passes no exception to
    ``build-finished``, then exits with status 1."""
    if exception is not None:
        return True
    warned = getattr(app, "_warncount", 0)
    strict = getattr(app, "keep_going", False) or getattr(app, "warningiserror", False)
    return bool(warned and strict)


def records_pages(app: Sphinx) -> bool:
    """Whether this build's pages are what the records describe: those of the ``html``
    builder. Another builder (``linkcheck``, ``latex``, ``singlehtml``...) shares the doctree
    folder but writes other files, or none, elsewhere."""
    return getattr(app.builder, "name", "") == "html"


def forget_failed_build(app: Sphinx) -> None:
    """After a build that failed on warnings: Sphinx has saved its environment, so the next
    build would not read the pages that warned again, and would pass. Remove it, as Sphinx
    does after an error, so the next build reads every page again (and warns again)."""
    from sphinx.application import ENV_PICKLE_FILENAME

    (Path(app.doctreedir) / ENV_PICKLE_FILENAME).unlink(missing_ok=True)


def on_build_finished(app: Sphinx, exception: BaseException | None) -> None:
    if exception is None and failed(app, exception):
        forget_failed_build(app)
    current = getattr(app, "_ddl_views", None)
    if failed(app, exception) or current is None:
        return  # the pages this build may not have written are written by the next one
    if not records_pages(app):
        return
    if written(app):
        remove_gone_files(app)
    path = _views_path(app)
    if _read_views(app) != current:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(path.name + ".tmp")
        temporary.write_text(json.dumps(current, indent=1, sort_keys=True), encoding="utf-8")
        os.replace(temporary, path)


def _init(app: Sphinx) -> None:
    app._ddl_written = set()


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("builder-inited", _init)
    # After the figures are numbered per post (numbering.py, priority 900).
    app.connect("env-get-updated", on_env_get_updated, priority=950)
    app.connect("html-page-context", on_html_page_context, priority=100)
    app.connect("build-finished", on_build_finished, priority=950)
    app.connect("build-finished", complete_sitemap, priority=450)  # before sphinx-sitemap
    app.connect("html-collect-pages", prune_search_index)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
