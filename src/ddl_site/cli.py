"""``python -m ddl_site``: start a new post, check every post (front matter and body), or
rewrite the notebooks that Colab and Binder open.

python -m ddl_site new "Title" --part 12 [--slug SLUG] [--date YYYY-MM-DD] [--series NAME] [--image]
python -m ddl_site check
python -m ddl_site notebooks
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
from pathlib import Path

import yaml

from ddl.notebook import counted

from .blog import checks
from .blog.frontmatter import (
    Problem,
    check_no_repeated_title,
    check_series,
    parse_date,
    parse_part,
    read_post,
    slugify,
    split_front_matter,
)
from .blog.site_config import ConfigSource, baseurl_problem, giscus_problems
from .core.myst_tokens import site_extensions

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
     (start from figure() in ddl_site.art); the build saves it as the file that
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
from ddl_site.art import figure


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
    from .art.lead_images import drawn_images

    drawn = drawn_images(root / POSTS_DIR, root)

    def exists(rel: str) -> bool:
        return (root / rel).is_file() or rel in drawn

    return exists


def _quote(text: str) -> str:
    return yaml.safe_dump(text, default_style='"', width=10**6).strip().removesuffix("...").strip()


def _parts(root: Path) -> list[tuple[str, str, int]]:
    """(path, series, part) of every post in a series, read from the front matter alone, so
    that a post with some other problem (say, a lead image not drawn yet) still holds its
    place and its number."""
    found = []
    for path in sorted((root / POSTS_DIR).glob("*.md")):
        try:
            head, _ = split_front_matter(path.read_text(encoding="utf-8"))
            fields = yaml.load(head or "", Loader=yaml.BaseLoader)
            series, part = fields.get("series"), parse_part(fields.get("part"))
        except (ValueError, yaml.YAMLError, AttributeError):
            continue
        if isinstance(series, str) and series.strip():
            found.append((path.relative_to(root).as_posix(), " ".join(series.split()), part))
    return found


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
        raise SystemExit(
            f"--slug: expected lowercase words and digits joined by '-'; found {slug!r}. "
            f"Pass e.g. --slug {slugify(slug or title) or 'my-new-post'}."
        )
    target = root / POSTS_DIR / f"{slug}.md"
    script = root / POSTS_DIR / f"{slug}.image.py"
    for path in (target, script) if image else (target,):
        if path.exists():
            raise SystemExit(
                f"--slug: expected a file name no page has; found {slug!r}, and "
                f"{path.relative_to(root)} already exists. Pass another --slug."
            )
    when = parse_date(date) if date else dt.datetime.combine(dt.date.today(), dt.time())
    existing = _parts(root)
    names = sorted({name for _, name, _ in existing})
    if series is None:
        if len(names) != 1:
            raise SystemExit(
                "--series: expected the series' name; found "
                + (
                    f"no series in {POSTS_DIR}/"
                    if not names
                    else "several series: " + ", ".join(names)
                )
                + '. Pass --series "<the series\' name>".'
            )
        series = names[0]
    parts = {path: number for path, name, number in existing if name == series}
    for path, number in parts.items():
        if number == part:
            free = max(parts.values()) + 1
            raise SystemExit(
                f"--part: expected a part not yet used in '{series}'; found {part}, already the "
                f"part of {path}. Pass --part {free} (the next after the last part), or "
                f"renumber {path} first."
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
    entry = f"{POSTS_DIR}/{slug}"
    in_toc = {path.removesuffix(".md"): number for path, number in parts.items()}
    new_toc = _toc_with(root / "_toc.yml", entry, part, in_toc)  # checked before writing
    target.write_text(text, encoding="utf-8")
    if image:
        script.write_text(IMAGE_SCRIPT.format(slug=slug), encoding="utf-8")
    (root / "_toc.yml").write_text(new_toc, encoding="utf-8")
    return target


CHAPTER = re.compile(r"^(?P<indent>[ \t]*)- +file: *(?P<file>[^#\s]+)")


def _toc_with(toc: Path, entry: str, part: int, parts: dict[str, int]) -> str:
    """``_toc.yml``'s text with ``- file: entry`` among the chapters that are parts of the
    series (``parts``: file -> part number), in part order, and before any chapter that is not
    a part (the equations page stays last; the landing page is the root, not a chapter). The
    file's comments and layout are kept."""
    text = toc.read_text(encoding="utf-8")
    data = yaml.safe_load(text) or {}
    chapters = data.get("chapters") if isinstance(data, dict) else None
    if not isinstance(chapters, list):
        raise SystemExit(
            f"{toc.name}: expected a list under 'chapters:' (format: jb-book); found "
            f"{'no chapters' if chapters is None else type(chapters).__name__}, so nothing was "
            "written. Give it a 'chapters:' list of '- file: <path>' lines and run this again."
        )
    files = [c.get("file") if isinstance(c, dict) else None for c in chapters]
    if entry in files:
        return text
    lines = text.splitlines(keepends=True)
    starts = _chapter_lines(lines, files)
    if starts is None:
        raise SystemExit(
            f"{toc.name}: expected each chapter on a line of its own, '- file: <path>'; found "
            "chapters written otherwise (e.g. in flow style), so nothing was written. Write one "
            "'- file: <path>' line per chapter and run this again."
        )
    numbers = [parts.get(str(f)) for f in files]
    before = [i for i, n in enumerate(numbers) if n is not None and n < part]
    if before:
        at = before[-1] + 1
    else:
        later = [i for i, n in enumerate(numbers) if n is not None]
        at = later[0] if later else 0
    indent = CHAPTER.match(lines[starts[0]])["indent"] if starts else "  "
    new_line = f"{indent}- file: {entry}\n"
    if at < len(starts):
        where = starts[at]
        floor = starts[at - 1] if at else 0
        while where - 1 > floor and lines[where - 1].lstrip().startswith("#"):
            where -= 1  # a comment just above a chapter belongs to it
        lines.insert(where, new_line)
    else:
        if lines and not lines[-1].endswith("\n"):
            lines[-1] += "\n"
        lines.insert(_end_of_chapter(lines, starts[-1]) if starts else len(lines), new_line)
    new = "".join(lines)
    expected = [*chapters[:at], {"file": entry}, *chapters[at:]]
    assert yaml.safe_load(new)["chapters"] == expected, new
    return new


def _chapter_lines(lines: list[str], files: list) -> list[int] | None:
    """The index of each chapter's ``- file:`` line, or None if the file is laid out otherwise."""
    try:
        top = next(i for i, line in enumerate(lines) if re.match(r"^chapters:\s*(#.*)?$", line))
    except StopIteration:
        return None
    found = []
    indent = None
    for index in range(top + 1, len(lines)):
        line = lines[index]
        if line.strip() and not line[0].isspace() and not line.startswith("-"):
            break  # the next top-level key
        match = CHAPTER.match(line)
        if match and (indent is None or match["indent"] == indent):
            indent = match["indent"]
            found.append(index)
    if [CHAPTER.match(lines[i])["file"] for i in found] != [str(f) for f in files]:
        return None
    return found


def _end_of_chapter(lines: list[str], start: int) -> int:
    """The index after the last line of the chapter starting at ``start`` (its sections)."""
    indent = len(CHAPTER.match(lines[start])["indent"])
    end = start + 1
    while end < len(lines):
        line = lines[end]
        is_content = line.strip() and not line.lstrip().startswith("#")
        if is_content and len(line) - len(line.lstrip()) <= indent:
            break
        end += 1
    while end > start + 1 and not lines[end - 1].strip():
        end -= 1
    return end


def _config(root: Path) -> tuple[ConfigSource, dict]:
    source = ConfigSource.of(root)
    if not source.is_yaml:
        raise SystemExit(
            f"{root / '_config.yml'}: expected the site's configuration; found no such file. "
            "Run this in the site's folder, or pass --root."
        )
    try:
        config = yaml.safe_load(source.text) or {}
    except yaml.YAMLError as error:
        raise SystemExit(f"_config.yml: expected YAML; found YAML that does not parse ({error})")
    return source, config if isinstance(config, dict) else {}


def config_problems(root: Path) -> list[Problem]:
    """What the build would reject in ``_config.yml``: the comment settings, the site's address."""
    source, config = _config(root)
    sphinx = (config.get("sphinx") or {}).get("config") or {}
    problems = giscus_problems(sphinx.get("ddl_giscus"), source)
    if not str((config.get("html") or {}).get("baseurl") or "").strip():
        problems.append(baseurl_problem(source))
    return problems


def check(root: Path) -> int:
    """Check every post (its front matter, then, as the build does, its body: typed numbers,
    retyped package code, notation, a repeated title) and the site's configuration without
    building; print the problems, return their count."""
    problems = config_problems(root)
    sphinx_config = (_config(root)[1].get("sphinx") or {}).get("config") or {}
    package_dir = root / sphinx_config.get("ddl_package_dir", "src/ddl")
    definitions = checks.package_definitions(package_dir, root) if package_dir.is_dir() else {}
    extensions = site_extensions(root)
    posts = []
    for path in sorted((root / POSTS_DIR).glob("*.md")):
        rel = path.relative_to(root).as_posix()
        text = path.read_text(encoding="utf-8")
        reading = read_post(text, rel, exists=_exists(root))
        problems += reading.problems
        if reading.post:
            posts.append(reading.post)
            problems += check_no_repeated_title(text, reading.post, extensions)
            problems += checks.check_post(
                text, rel, definitions, checks.sibling_posts(path), extensions
            )
    problems += check_series(posts)
    if (root / POSTS_DIR).is_dir():  # the lead-image scripts, checked as the build checks them
        from .art.lead_images import find_drawings

        problems += find_drawings(root / POSTS_DIR, root)[1]
    for problem in problems:
        print(problem, file=sys.stderr)
    print(
        f"{counted(len(posts), 'post')} and _config.yml checked: "
        f"{counted(len(problems), 'problem')}",
        file=sys.stderr,
    )
    return len(problems)


def write_notebooks(root: Path) -> list[Path]:
    """Rewrite ``book/<slug>.ipynb`` for every notebook post, as the build writes its downloads."""
    from .pages.notebooks import write_paired

    source, config = _config(root)
    baseurl = str((config.get("html") or {}).get("baseurl") or "").strip()
    if not baseurl:
        raise SystemExit(str(baseurl_problem(source)))
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
    commands.add_parser("check", help="check every post's front matter and body")
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
