"""``python -m ddl_site``: start a new post, check every post's front matter, or rewrite the
notebooks that Colab and Binder open.

python -m ddl_site new "Title" --part 12 [--slug SLUG] [--date YYYY-MM-DD] [--series NAME] [--image]
python -m ddl_site check
python -m ddl_site notebooks
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

import yaml

from .frontmatter import Post, check_series, parse_date, read_post, slugify

POSTS_DIR = "book"
#: The front-matter lines that make a MyST Markdown file a notebook Jupyter can run.
NOTEBOOK_METADATA = """\
jupytext:
  text_representation:
    extension: .md
    format_name: myst
kernelspec:
  display_name: Python 3
  language: python
  name: python3
"""

TEMPLATE = (
    "---\n"
    + NOTEBOOK_METADATA
    + """\
series: {series}
title: {title}
part: {part}
date: {date}
excerpt: {excerpt}
{image}---

<!-- The title above is the page's heading: start the body's sections at ##.
{image_note} -->

## Intuition

Every number in the prose is glued from code that ran while the site was built: the layer
below has {{glue:text}}`n_units` units.

```{{code-cell}} ipython3
:tags: [remove-input]
from ddl.notebook import glue

n_units = 4
glue("n_units", n_units, display=False)
```

## Maths

## Code
"""
)


#: What the post's comment says about its lead image, without ``--image`` and with it.
IMAGE_NOTE = """\
     Lead image: add book/{slug}.image.py defining draw(), which returns a matplotlib figure
     (start from figure() in ddl_site.lead_images); the build saves it as the file that
     `image: ./{slug}.png` names, so add that line (and a `caption:`) to the front matter."""
IMAGE_NOTE_DRAWN = """\
     Lead image: drawn by book/{slug}.image.py (its draw() returns a matplotlib figure) into
     the file `image:` names; redrawn when the script or the ddl code it imports changes."""
#: ``book/<slug>.image.py`` as ``new --image`` writes it: a drawing to replace with the post's.
IMAGE_SCRIPT = '''\
"""The lead image of book/{slug}.md, drawn when the site builds and saved as the file its
`image:` names; redrawn whenever this script or the ddl code it imports changes."""

import numpy as np

from ddl.activations import sigmoid
from ddl_site.lead_images import figure


def draw():
    """The post's lead image, 800 x 420 pixels: replace this curve with the post's picture."""
    fig = figure()  # the series' size and background
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    z = np.linspace(-6, 6, 200)
    ax.plot(z, sigmoid(z), color="#ffb000", linewidth=4)
    return fig
'''


def _exists(root: Path):
    """A file exists, or is a lead image that a drawing script beside its post will draw."""
    from .lead_images import drawn_images

    drawn = drawn_images(root / POSTS_DIR, root)

    def exists(rel: str) -> bool:
        return (root / rel).is_file() or rel in drawn

    return exists


def _posts(root: Path) -> list[Post]:
    posts = []
    for path in sorted((root / POSTS_DIR).glob("*.md")):
        rel = path.relative_to(root).as_posix()
        reading = read_post(path.read_text(encoding="utf-8"), rel, exists=_exists(root))
        if reading.post is not None:
            posts.append(reading.post)
    return posts


def _quote(text: str) -> str:
    return yaml.safe_dump(text, default_style='"', width=10**6).strip().removesuffix("...").strip()


def new_post(
    root: Path,
    title: str,
    part: int,
    slug: str | None = None,
    date: str | None = None,
    series: str | None = None,
    excerpt: str | None = None,
    image: bool = False,
) -> Path:
    """Write ``book/<slug>.md`` as a MyST notebook and add it to ``_toc.yml``; with ``image``,
    also ``book/<slug>.image.py``, a drawing script for its lead image."""
    slug = slug or slugify(title)
    if not slug or slugify(slug) != slug:
        raise SystemExit(f"--slug: expected lowercase words joined by '-', found {slug!r}")
    target = root / POSTS_DIR / f"{slug}.md"
    script = root / POSTS_DIR / f"{slug}.image.py"
    for path in (target, script) if image else (target,):
        if path.exists():
            raise SystemExit(f"{path.relative_to(root)} already exists; choose another --slug")
    when = parse_date(date) if date else dt.datetime.combine(dt.date.today(), dt.time())
    existing = _posts(root)
    names = sorted({p.series for p in existing if p.series})
    if series is None:
        if len(names) != 1:
            raise SystemExit(
                "--series: expected the series' name; found "
                f"{'no posts' if not names else 'several series: ' + ', '.join(names)}"
            )
        series = names[0]
    for post in existing:
        if post.series == series and post.part == part:
            raise SystemExit(
                f"--part: expected a part not yet used in '{series}'; "
                f"found {part}, already {post.path}"
            )
    stamp = (
        when.strftime("%Y-%m-%d %H:%M:%S")
        if (when.hour, when.minute, when.second) != (0, 0, 0)
        else when.strftime("%Y-%m-%d")
    )
    text = TEMPLATE.format(
        series=_quote(series),
        title=_quote(title),
        part=part,
        date=stamp,
        excerpt=_quote(excerpt or f"What Part {part} covers, in a sentence."),
        image=(
            f"image: ./{slug}.png\n"
            f"caption: {_quote('What the lead image shows, in a sentence (also its alt text).')}\n"
            if image
            else ""
        ),
        image_note=(IMAGE_NOTE_DRAWN if image else IMAGE_NOTE).format(slug=slug),
    )
    problems = read_post(text, f"{POSTS_DIR}/{slug}.md").problems
    if problems:  # the template and the checks must agree
        raise SystemExit("\n".join(map(str, problems)))
    target.write_text(text, encoding="utf-8")
    if image:
        script.write_text(IMAGE_SCRIPT.format(slug=slug), encoding="utf-8")
    _add_to_toc(root / "_toc.yml", f"{POSTS_DIR}/{slug}")
    return target


def _add_to_toc(toc: Path, entry: str) -> None:
    """Append ``- file: entry`` to the chapters, keeping the file's comments and layout."""
    text = toc.read_text(encoding="utf-8")
    data = yaml.safe_load(text) or {}
    chapters = data.get("chapters")
    if not isinstance(chapters, list):
        raise SystemExit(
            f"{toc.name}: expected a 'chapters:' list; found {type(chapters).__name__}"
        )
    if any(isinstance(c, dict) and c.get("file") == entry for c in chapters):
        return
    lines = text.rstrip("\n").splitlines()
    indent = "  "
    for line in lines:
        stripped = line.lstrip()
        if stripped.startswith("- file:"):
            indent = line[: len(line) - len(stripped)]
    lines.append(f"{indent}- file: {entry}")
    new = "\n".join(lines) + "\n"
    assert yaml.safe_load(new)["chapters"][-1] == {"file": entry}
    toc.write_text(new, encoding="utf-8")


def check(root: Path) -> int:
    """Check every post's front matter without building; print problems, return the count."""
    problems = []
    posts = []
    for path in sorted((root / POSTS_DIR).glob("*.md")):
        rel = path.relative_to(root).as_posix()
        reading = read_post(path.read_text(encoding="utf-8"), rel, exists=_exists(root))
        problems += reading.problems
        posts += [reading.post] if reading.post else []
    problems += check_series(posts)
    for problem in problems:
        print(problem, file=sys.stderr)
    print(f"{len(posts)} post(s) checked, {len(problems)} problem(s)", file=sys.stderr)
    return len(problems)


def write_notebooks(root: Path) -> list[Path]:
    """Rewrite ``book/<slug>.ipynb`` for every notebook post, as the build writes its downloads."""
    from .notebooks import write_paired

    config = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8")) or {}
    baseurl = (config.get("html") or {}).get("baseurl")
    if not baseurl:
        raise SystemExit("_config.yml: expected html.baseurl (the site's URL); found none")
    sphinx_config = (config.get("sphinx") or {}).get("config") or {}
    package_dir = root / sphinx_config.get("ddl_package_dir", "src/ddl")
    return write_paired(root, POSTS_DIR, package_dir, baseurl)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ddl_site",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--root", type=Path, default=Path("."), help="the site's folder")
    commands = parser.add_subparsers(dest="command", required=True)
    new = commands.add_parser("new", help="start a post: book/<slug>.md, added to _toc.yml")
    new.add_argument("title")
    new.add_argument("--part", type=int, required=True)
    new.add_argument("--slug", help="file name and URL (default: from the title)")
    new.add_argument("--date", help="YYYY-MM-DD [HH:MM] (default: today)")
    new.add_argument("--series", help="default: the one series the posts belong to")
    new.add_argument("--excerpt", help="one sentence for the index, feed and social cards")
    new.add_argument(
        "--image",
        action="store_true",
        help="also write book/<slug>.image.py, a script drawing the post's lead image",
    )
    commands.add_parser("check", help="check every post's front matter")
    commands.add_parser(
        "notebooks", help="rewrite book/<slug>.ipynb, the notebooks Colab and Binder open"
    )
    args = parser.parse_args(argv)
    if args.command == "notebooks":
        changed = write_notebooks(args.root)
        for path in changed:
            print(f"wrote {path.relative_to(args.root)}")
        print(f"{len(changed)} notebook(s) changed")
        return 0
    if args.command == "new":
        path = new_post(
            args.root,
            args.title,
            args.part,
            args.slug,
            args.date,
            args.series,
            args.excerpt,
            image=args.image,
        )
        print(f"wrote {path.relative_to(args.root)} and added it to _toc.yml")
        if args.image:
            script = path.with_suffix(".image.py").relative_to(args.root)
            print(f"wrote {script}: its draw() is the post's lead image")
        return 0
    return 1 if check(args.root) else 0
