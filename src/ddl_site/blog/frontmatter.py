"""Reading and checking a post's front matter.

Plain functions on text: nothing here knows about Sphinx. :func:`read_post` takes a page's
source and returns what it found (a :class:`Post`, or ``None`` for a page that is not a post),
the problems (each a :class:`Problem` naming file, line, field, what was expected and what was
found), and the source rewritten for the rest of the toolchain (:func:`downstream_source`).

Every scalar is read as text (YAML's ``BaseLoader``) and typed here, so that ``part: "Part 3"``,
``date: 2018-07-25 10:00:00`` and a date that does not exist all reach the same checks, rather
than YAML's own resolver turning some into ints or datetimes and crashing on others.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

import yaml

from ..core.myst_tokens import Extensions, read
from ..core.problems import Problem, nearest

#: Fields a post's front matter may hold, and what each must be.
POST_FIELDS: dict[str, str] = {
    "series": "the series' name, e.g. Demystifying Deep Learning",
    "title": "the post's title (it becomes the page's only level-1 heading)",
    "part": 'a whole number, e.g. 3 (the legacy form "Part 3" is accepted)',
    "date": "a date YYYY-MM-DD, optionally with a time HH:MM[:SS]",
    "image": "a path to the lead image, relative to the post, e.g. ./why-maths.jpg",
    "caption": "the lead image's caption (also its alt text)",
    "excerpt": "one or two sentences for the index, the feed and social cards",
    "redirect_from": "an old URL path or a list of them, e.g. /2018/07/25/OldName.html",
    "comments": "true or false",
    "tags": "a list of tags, e.g. [maths, numpy]",
}
#: Older spellings that are still read: ``datePublished`` is ``date``; the rest are ignored.
LEGACY_FIELDS: dict[str, str | None] = {
    "datePublished": "date",
    "layout": None,
    "include_KaTeX": None,
}
#: Keys that belong to the tools (MyST, myst-nb, jupytext, Sphinx) and are passed on untouched.
TOOL_FIELDS = (
    "jupytext",
    "kernelspec",
    "language_info",
    "myst",
    "mystnb",
    "file_format",
    "html_meta",
    "substitutions",
    "orphan",
    "nosearch",
    "tocdepth",
)
KNOWN_FIELDS = (*POST_FIELDS, *LEGACY_FIELDS, *TOOL_FIELDS)
#: Any of these makes a page a post.
POST_MARKERS = ("series", "part", "date", "datePublished")

CONFLICT_MARKER = re.compile(r"^(<{7}|={7}|>{7}|\|{7})(?:$|[ \t].*$)")
PART = re.compile(r"^(?:part[ \t]*)?(\d+)$", re.IGNORECASE)
DATE = re.compile(
    r"^(?P<date>\d{4}-\d{1,2}-\d{1,2})"
    r"(?:(?:[Tt]|[ \t]+)(?P<time>\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)"
    r"[ \t]*(?P<tz>Z|[+-]\d{2}:?\d{2})?)?$"
)
BOOLEANS = {"true": True, "false": False}
#: A line to add for a field a post lacks.
EXAMPLES = {
    "series": "series: Demystifying Deep Learning",
    "title": "title: Learning Through Gradient Descent",
    "part": "part: 3",
    "date": "date: 2018-08-03",
}
#: How to fix a field whose value is not what it should be.
FIXES = {
    "series": "Write the series' name on the same line, e.g. series: Demystifying Deep Learning.",
    "title": "Write the title on the same line, e.g. title: Learning Through Gradient Descent.",
    "part": "Write the part as a whole number, e.g. part: 3.",
    "date": "Write the date as YYYY-MM-DD, e.g. date: 2018-08-03 (or 2018-08-03 10:00).",
    "image": "Give the image's path relative to the post, e.g. image: ./lead.png, "
    "or delete the field.",
    "caption": "Write the caption on the same line, or delete the field.",
    "excerpt": "Write the excerpt on the same line, or delete the field.",
    "redirect_from": "Give an old path or a list of them, e.g. "
    "redirect_from: [/2018/08/03/GradDescent.html].",
    "comments": "Write comments: true or comments: false.",
    "tags": "Write a list, e.g. tags: [maths, numpy].",
}
YAML_FIX = (
    "Fix the YAML on that line: a value holding ': ' or ' #', or starting with one of "
    "[ { & * ! | > ' \" % @ `, goes in double quotes."
)


@dataclass(frozen=True)
class Post:
    """A post's front matter, checked and typed."""

    path: str
    title: str
    date: dt.datetime
    series: str | None = None
    part: int | None = None
    image: str | None = None  # relative to the site's source folder, posix
    caption: str | None = None
    excerpt: str | None = None
    redirect_from: tuple[str, ...] = ()
    comments: bool = False
    tags: tuple[str, ...] = ()
    lines: dict[str, int] = field(default_factory=dict, compare=False, hash=False)

    @property
    def date_has_time(self) -> bool:
        return (self.date.hour, self.date.minute, self.date.second) != (0, 0, 0)


@dataclass
class Reading:
    """The result of :func:`read_post`."""

    post: Post | None
    problems: list[Problem]
    source: str  # the text to hand on to MyST / myst-nb


# -- the pieces, each usable on its own ------------------------------------------------------


def conflict_markers(text: str, path: str = "<text>") -> list[Problem]:
    """Every git merge-conflict marker line (``<<<<<<<``, ``=======``, ``>>>>>>>``, ``|||||||``).

    Each marker line is reported on its own, so a half-resolved conflict (a ``<<<<<<<`` left
    behind without its ``=======``) is caught too.
    """
    problems = []
    for number, line in enumerate(text.splitlines(), start=1):
        match = CONFLICT_MARKER.match(line)
        if match:
            problems.append(
                Problem(
                    path,
                    number,
                    "merge conflict",
                    "a file with every conflict resolved",
                    repr(line.strip()),
                    "Keep one side and delete the marker lines.",
                )
            )
    return problems


def split_front_matter(text: str) -> tuple[str | None, int]:
    """Return (the YAML between the ``---`` lines, the number of lines it spans incl. fences).

    ``(None, 0)`` when the page has no front matter. Raises ``ValueError`` if it is never closed.
    """
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].rstrip() != "---":
        return None, 0
    for number, line in enumerate(lines[1:], start=1):
        if line.rstrip() == "---":
            return "".join(lines[1:number]), number + 1
    raise ValueError("front matter opened with --- on line 1 is never closed")


def parse_part(value: Any) -> int:
    """``0``, ``"3"``, ``"Part 3"`` -> int; anything else raises ``ValueError``."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ValueError(type(value).__name__)
    match = PART.match(str(value).strip())
    if not match:
        raise ValueError(str(value))
    return int(match.group(1))


def parse_date(value: Any) -> dt.datetime:
    """``2018-07-25``, ``2018-07-25 10:00[:00]``, ``2018-07-25T10:00:00[Z|+01:00]`` -> datetime.

    Raises ``ValueError`` naming what is wrong (the format, or a month/day that does not exist).
    """
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    text = str(value).strip().strip("\"'")
    match = DATE.match(text)
    if not match:
        raise ValueError("not in the form YYYY-MM-DD or YYYY-MM-DD HH:MM[:SS]")
    year, month, day = (int(x) for x in match["date"].split("-"))
    stamp = f"{year:04d}-{month:02d}-{day:02d}"
    if match["time"]:
        hms = [int(float(x)) for x in match["time"].split(":")] + [0]
        stamp += f"T{hms[0]:02d}:{hms[1]:02d}:{hms[2]:02d}"
    if match["tz"]:
        tz = match["tz"]
        stamp += "+00:00" if tz == "Z" else f"{tz[:3]}:{tz[-2:]}"
    return dt.datetime.fromisoformat(stamp)  # ValueError e.g. "month must be in 1..12"


def slugify(text: str) -> str:
    """``"What is a neural network?"`` -> ``"what-is-a-neural-network"``."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def normalise_url_path(value: str) -> str:
    """An old URL as a site-root path: ``2018/a.html`` -> ``/2018/a.html``, ``/a/b`` -> ``/a/b/``."""
    path = re.sub(r"/{2,}", "/", "/" + value.strip().lstrip("/"))
    if not PurePosixPath(path).suffix and not path.endswith("/"):
        path += "/"
    return path


# -- the whole front matter ------------------------------------------------------------------


def _yaml_problem(path: str, error: yaml.YAMLError, first_line: int) -> Problem:
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    line = None if mark is None else mark.line + first_line
    problem = getattr(error, "problem", None) or str(error).splitlines()[0]
    return Problem(
        path,
        line,
        "front matter",
        "YAML between the --- lines",
        f"YAML that does not parse ({problem})",
        YAML_FIX,
        where="",
    )


def _construct(node: yaml.Node, loader_class=yaml.BaseLoader) -> Any:
    loader = loader_class("")
    try:
        return loader.construct_object(node, deep=True)
    finally:
        loader.dispose()


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def read_post(text: str, path: str, *, exists=None) -> Reading:
    """Read and check a page's front matter.

    ``path`` is the page's path relative to the site's source folder (posix); ``exists`` is a
    callable telling whether a source-relative path exists (to check the lead image), or None
    to skip that check.
    """
    problems = conflict_markers(text, path)
    try:
        yaml_text, span = split_front_matter(text)
    except ValueError as error:
        return Reading(
            None,
            [
                *problems,
                Problem(
                    path,
                    1,
                    "front matter",
                    "a closing --- line after the front matter",
                    f"none ({error})",
                    "Add a line --- after the last field.",
                    where="",
                ),
            ],
            text,
        )
    if yaml_text is None:
        return Reading(None, problems, text)
    first_line = 2  # YAML line 0 is the file's line 2
    if any(p.line is not None and p.line <= span for p in problems):
        # Markers inside the front matter: YAML's errors would only repeat them.
        return Reading(None, problems, _blank_front_matter(text, span))
    try:
        root = yaml.compose(yaml_text, Loader=yaml.BaseLoader)
    except yaml.YAMLError as error:
        return Reading(
            None, [_yaml_problem(path, error, first_line)], _blank_front_matter(text, span)
        )
    if root is None:
        return Reading(None, [], text)
    if not isinstance(root, yaml.MappingNode):
        return Reading(
            None,
            [
                Problem(
                    path,
                    first_line,
                    "front matter",
                    "a mapping of field: value lines",
                    f"a YAML {root.id}",
                    "Write one 'field: value' per line between the --- lines.",
                    where="",
                )
            ],
            _blank_front_matter(text, span),
        )

    raw: dict[str, Any] = {}
    nodes: dict[str, yaml.Node] = {}
    lines: dict[str, int] = {}
    meant: set[str] = set()  # fields an unknown key was taken for (not reported missing too)
    for key_node, value_node in root.value:
        key = str(_construct(key_node))
        line = key_node.start_mark.line + first_line
        if key in lines:
            problems.append(
                Problem(
                    path,
                    line,
                    key,
                    "each field once",
                    f"a second '{key}' (the first is on line {lines[key]})",
                    "Keep one of them and delete the other.",
                )
            )
            continue
        if key not in KNOWN_FIELDS:
            guess = nearest(key, KNOWN_FIELDS)
            meant.add(guess or "")
            problems.append(
                Problem(
                    path,
                    line,
                    key,
                    "one of " + ", ".join(POST_FIELDS),
                    f"unknown field '{key}'",
                    f"Did you mean '{guess}'?"
                    if guess
                    else "Rename it to one of those fields, or delete it.",
                )
            )
            continue
        raw[key] = _construct(value_node)
        nodes[key] = value_node
        lines[key] = line

    if "datePublished" in raw:
        if "date" in raw:
            problems.append(
                Problem(
                    path,
                    lines["datePublished"],
                    "datePublished",
                    "one of date or datePublished",
                    f"both (date on line {lines['date']})",
                    "Keep date and delete datePublished.",
                )
            )
        else:
            raw["date"], lines["date"] = raw.pop("datePublished"), lines["datePublished"]

    post, more = _check_post(raw, lines, path, exists, meant)
    problems += more
    source = _downstream_source(text, span, nodes)
    return Reading(None if problems else post, problems, source)


def _check_post(
    raw: dict, lines: dict, path: str, exists, meant: set[str] = frozenset()
) -> tuple[Post | None, list[Problem]]:
    problems: list[Problem] = []

    def bad(name: str, found: str, hint: str = "", expected: str | None = None) -> None:
        problems.append(
            Problem(
                path,
                lines.get(name),
                name,
                expected or POST_FIELDS[name],
                found,
                hint or FIXES[name],
            )
        )

    def found(value: Any) -> str:
        if value in (None, ""):
            return "an empty value"
        if isinstance(value, str):
            return repr(value)
        return f"a {'list' if isinstance(value, list) else 'mapping'} {value!r}"

    values: dict[str, Any] = {}
    for name in ("series", "title", "caption", "excerpt"):
        if name in raw:
            values[name] = _text(raw[name])
            if values[name] is None:
                bad(name, found(raw[name]))
            else:
                values[name] = " ".join(values[name].split())
    is_post = any(k in raw for k in POST_MARKERS)
    if not is_post:
        return None, problems

    first = min(lines.values(), default=1)
    required = ("title", "date", "part") if "series" in raw else ("title", "date")
    for name in required:
        if name not in raw and name not in meant:
            kind = "a series post" if "series" in raw else "a post"
            problems.append(
                Problem(
                    path,
                    first,
                    name,
                    POST_FIELDS[name],
                    f"no '{name}' field in {kind}",
                    f"Add a line such as '{EXAMPLES[name]}' to the front matter.",
                )
            )
    if "part" in raw and "series" not in raw and "series" not in meant:
        problems.append(
            Problem(
                path,
                lines["part"],
                "series",
                POST_FIELDS["series"],
                "a part number without a series",
                f"Add a line such as '{EXAMPLES['series']}', or delete 'part'.",
            )
        )

    if "part" in raw:
        try:
            values["part"] = parse_part(raw["part"])
        except ValueError:
            bad("part", found(raw["part"]))
    if "date" in raw:
        try:
            values["date"] = parse_date(raw["date"]) if isinstance(raw["date"], str) else None
            if values["date"] is None:
                raise ValueError("not text")
        except ValueError as error:
            bad("date", f"{found(raw['date'])}, which is not a date ({error})")
    if "image" in raw:
        image = _text(raw["image"])
        if image is None:
            bad("image", found(raw["image"]))
        elif re.match(r"^[a-z]+://", image):
            bad(
                "image",
                f"a URL {image!r}",
                "Save the image in book/ beside the post and give its path, "
                "e.g. image: ./lead.png.",
            )
        else:
            target = (
                str(PurePosixPath(path).parent / image)
                if not image.startswith("/")
                else image.lstrip("/")
            )
            target = _normpath(target)
            if exists is not None and not exists(target):
                post = PurePosixPath(path)
                script = post.with_name(post.stem + ".image.py")
                bad(
                    "image",
                    f"{image!r}, but there is no file {target}",
                    f"Add {script} defining draw(), which returns the matplotlib figure the "
                    f"build saves as {target} (or fix the path).",
                    expected="a path to a lead image that exists or that a script beside the "
                    "post draws",
                )
            values["image"] = target
    if "redirect_from" in raw:
        value = raw["redirect_from"]
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not all(_text(i) for i in items):
            bad("redirect_from", found(value))
        else:
            urls = []
            for item in items:
                if re.match(r"^[a-z]+://", item.strip()):
                    bad(
                        "redirect_from",
                        f"a full URL {item!r}",
                        "Give the path only, e.g. /2018/07/25/OldName.html.",
                    )
                else:
                    urls.append(normalise_url_path(item))
            values["redirect_from"] = tuple(urls)
    if "comments" in raw:
        value = raw["comments"]
        if isinstance(value, str) and value.strip().lower() in BOOLEANS:
            values["comments"] = BOOLEANS[value.strip().lower()]
        else:
            bad("comments", found(value))
    if "tags" in raw:
        value = raw["tags"]
        items = [t for t in value.split(",")] if isinstance(value, str) else value
        if not isinstance(items, list) or not all(_text(t) for t in items):
            bad("tags", found(value))
        else:
            values["tags"] = tuple(dict.fromkeys(" ".join(t.split()) for t in items))

    if problems or "title" not in values or "date" not in values:
        return None, problems
    return Post(path=path, lines=dict(lines), **values), problems


def _normpath(path: str) -> str:
    parts: list[str] = []
    for part in PurePosixPath(path).parts:
        if part == "..":
            if parts:
                parts.pop()
        elif part != ".":
            parts.append(part)
    return "/".join(parts)


# -- what the rest of the toolchain sees -----------------------------------------------------


def _blank_front_matter(text: str, span: int) -> str:
    """Replace an unusable front matter by comment lines, keeping the body's line numbers."""
    lines = text.splitlines(keepends=True)
    return "".join(["---\n", *["#\n"] * (span - 2), "---\n", *lines[span:]])


def _downstream_source(text: str, span: int, nodes: dict[str, yaml.Node]) -> str:
    """The page with a front matter holding only what MyST and myst-nb read.

    The post's own fields have been read here; MyST gets the title (to make the heading) and
    the tools' own keys (``jupytext``, ``kernelspec``, ...), as YAML's safe loader reads them.
    The front matter keeps its number of lines, so line numbers in the body stay right.
    """
    kept: dict[str, Any] = {}
    for key, node in nodes.items():
        if key in TOOL_FIELDS:
            kept[key] = _construct(node, yaml.SafeLoader)
        elif key == "title":
            kept[key] = " ".join(str(_construct(node)).split())
    dumped = yaml.safe_dump(kept, sort_keys=False, allow_unicode=True, width=10**6) if kept else ""
    body_lines = dumped.splitlines(keepends=True)
    padding = max(0, span - 2 - len(body_lines))
    lines = text.splitlines(keepends=True)
    return "".join(["---\n", *body_lines, *["#\n"] * padding, "---\n", *lines[span:]])


def level_one_headings(text: str, extensions: Extensions = None) -> list[tuple[int, str]]:
    """(line, text) of each level-1 heading in the body (``# Title`` or ``Title`` over
    ``===``), as MyST parses the page with ``extensions`` (the site's by default): a ``#`` line
    in a code block, in maths or in the front matter is no heading."""
    return [(h.line, h.text) for h in read(text, extensions).headings if h.level == 1]


def check_no_repeated_title(text: str, post: Post, extensions: Extensions = None) -> list[Problem]:
    """A post's title is its heading; the body must not add another level-1 heading
    (``extensions``: the MyST extensions the site enables, or MyST's whole configuration)."""
    return [
        Problem(
            post.path,
            line,
            "title",
            "the title only in the front matter (the body's headings start at ##)",
            f"a level-1 heading '# {heading}' in the body",
            "Remove it, or make it a ## section.",
        )
        for line, heading in level_one_headings(text, extensions)
    ]


def _last_part(posts: list[Post], series: str | None) -> int:
    return max((p.part for p in posts if p.series == series and p.part is not None), default=0)


def check_series(posts: list[Post]) -> list[Problem]:
    """Across posts: two posts may not share a part number in one series."""
    problems = []
    seen: dict[tuple[str, int], Post] = {}
    for post in sorted(posts, key=lambda p: p.path):
        if post.series is None or post.part is None:
            continue
        key = (post.series, post.part)
        if key in seen:
            problems.append(
                Problem(
                    post.path,
                    post.lines.get("part"),
                    "part",
                    f"a part number not used by another post in the series '{post.series}'",
                    f"{post.part}, already the part of {seen[key].path}",
                    "Give one of the two posts another part number, e.g. "
                    f"{_last_part(posts, post.series) + 1}.",
                )
            )
        else:
            seen[key] = post
    return problems
