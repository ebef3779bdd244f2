"""Comments through giscus (GitHub Discussions), only on posts that ask for them.

Plain functions: check the ``ddl_giscus`` settings and write the embed. A post without
``comments: true`` gets none of this, so it loads no comment script at all.

The settings are in one of three states:

* **configured**: ``repo``, ``repo_id``, ``category`` and ``category_id`` all hold a value (the
  ids come from https://giscus.app): posts asking for comments show the thread;
* **not configured**: neither id is set (``repo`` and ``category`` may already name the
  repository and the category): posts asking for comments build without the thread, and the
  build says so in one line (:func:`unconfigured_note`), so a post migrated with
  ``comments: true`` builds before Discussions are set up;
* **wrong**: an id set and another value missing, a key giscus does not have, or settings that
  are not a mapping: :func:`problems` names each, and the build stops.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Any

from ..core.problems import nearest

REQUIRED = ("repo", "repo_id", "category", "category_id")
#: The two values only https://giscus.app gives; while both are empty, comments are off.
IDS = ("repo_id", "category_id")
DEFAULTS = {
    "mapping": "pathname",
    "strict": "0",
    "reactions_enabled": "1",
    "emit_metadata": "0",
    "input_position": "bottom",
    "theme": "preferred_color_scheme",
    "lang": "en",
    "loading": "lazy",
}
WHAT = {
    "repo": "the repository whose Discussions hold the comments, e.g. owner/name",
    "repo_id": "the repository's id from https://giscus.app, e.g. R_kgDOxxxxxx",
    "category": "the Discussions category for the comments, e.g. Comments",
    "category_id": "the category's id from https://giscus.app, e.g. DIC_kwDOxxxxxx",
}
GISCUS_URL = "https://giscus.app"


@dataclass(frozen=True)
class SettingProblem:
    """One thing wrong with the settings: ``key`` is ``""`` for the settings as a whole."""

    key: str
    expected: str
    found: str
    fix: str


def _value(settings: dict, key: str) -> str:
    value = settings.get(key)
    return "" if value is None else str(value).strip()


def _kind(value: Any) -> str:
    if isinstance(value, str):
        return f"the text {value!r}"
    if isinstance(value, list):
        return f"a list {value!r}"
    return f"{type(value).__name__} {value!r}"


def _found(settings: dict, key: str) -> str:
    if key not in settings:
        return "no such key"
    value = settings[key]
    if isinstance(value, (dict, list)):
        return f"a {'mapping' if isinstance(value, dict) else 'list'} {value!r}"
    return "an empty value" if not _value(settings, key) else repr(str(value))


def is_configured(settings: Any) -> bool:
    """Whether posts asking for comments get the thread (every required value is set)."""
    return isinstance(settings, dict) and all(
        _value(settings, key) and not isinstance(settings[key], (dict, list)) for key in REQUIRED
    )


def problems(settings: Any) -> list[SettingProblem]:
    """What is wrong with the ``ddl_giscus`` settings: empty when they are usable, and when
    giscus is simply not configured yet (no id set)."""
    if settings is None or settings == {}:
        return []
    if not isinstance(settings, dict):
        return [
            SettingProblem(
                "",
                "a mapping of repo, repo_id, category and category_id",
                _kind(settings),
                "Give ddl_giscus the keys repo, repo_id, category and category_id, "
                "or delete it to build without comments.",
            )
        ]
    found = []
    known = (*REQUIRED, *DEFAULTS)
    for key in settings:
        if str(key) not in known:
            guess = nearest(str(key), known)
            found.append(
                SettingProblem(
                    str(key),
                    "one of " + ", ".join(known),
                    f"an unknown key '{key}'",
                    f"Rename it to '{guess}'." if guess else "Delete it.",
                )
            )
    for key in REQUIRED:
        if isinstance(settings.get(key), (dict, list)):
            found.append(
                SettingProblem(
                    key, WHAT[key], _found(settings, key), "Write the value as one line of text."
                )
            )
    if any(_value(settings, key) for key in IDS):
        for key in REQUIRED:
            if key not in settings or not _value(settings, key):
                set_ids = [k for k in IDS if _value(settings, k)]
                found.append(
                    SettingProblem(
                        key,
                        f"{WHAT[key]} (giscus needs all four of {', '.join(REQUIRED)} "
                        f"once {' and '.join(set_ids)} {'is' if len(set_ids) == 1 else 'are'} "
                        "set)",
                        _found(settings, key),
                        f"Copy it from {GISCUS_URL}, or empty repo_id and category_id "
                        "to build without comments.",
                    )
                )
    return found


def unconfigured_note(posts: list[str], where: str, keys: str) -> str:
    """The one line a build prints when posts ask for comments and giscus is not configured.

    ``where`` is the configuration file; ``keys`` how the settings are written in it.
    """
    count = len(posts)
    subject = (
        f"1 post asks for comments ({posts[0]}); it is"
        if count == 1
        else f"{count} posts ask for comments ({', '.join(posts)}); they are"
    )
    return (
        f"Comments: {subject} built without them, as giscus is not configured. "
        f"To show them, set {keys} in {where} to the values {GISCUS_URL} gives "
        "for the repository's Discussions."
    )


def embed_html(settings: dict) -> str:
    """The giscus script tag and the element it fills."""
    values = {**DEFAULTS, **{k: str(v) for k, v in settings.items()}}
    attrs = " ".join(
        f'data-{key.replace("_", "-")}="{escape(values[key])}"' for key in (*REQUIRED, *DEFAULTS)
    )
    return (
        '<section class="ddl-comments" aria-label="Comments">\n<h2>Comments</h2>\n'
        '<div class="giscus"></div>\n'
        f'<script src="https://giscus.app/client.js" {attrs} crossorigin="anonymous" async>'
        "</script>\n</section>\n"
    )
