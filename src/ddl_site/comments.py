"""Comments through giscus (GitHub Discussions), only on posts that ask for them.

Plain functions: check the ``ddl_giscus`` settings and write the embed. A post without
``comments: true`` gets none of this, so it loads no comment script at all.
"""

from __future__ import annotations

from html import escape

REQUIRED = ("repo", "repo_id", "category", "category_id")
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


def problems(settings: object) -> list[str]:
    """What is wrong with the ``ddl_giscus`` settings (empty when they are usable)."""
    if not isinstance(settings, dict):
        return [
            f"ddl_giscus: expected a mapping with {', '.join(REQUIRED)}; "
            f"found {type(settings).__name__}"
        ]
    found = []
    for key in REQUIRED:
        if not str(settings.get(key, "") or "").strip():
            found.append(
                f"ddl_giscus.{key}: expected a value (copy it from https://giscus.app); "
                f"found {'nothing' if key not in settings else 'an empty value'}"
            )
    for key in settings:
        if key not in REQUIRED and key not in DEFAULTS:
            found.append(
                f"ddl_giscus.{key}: expected one of {', '.join(REQUIRED + tuple(DEFAULTS))};"
                f" found unknown key '{key}'"
            )
    return found


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
