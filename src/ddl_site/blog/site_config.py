"""Where a setting of the site is written, so that a message about it names the file, the key
as the author writes it, and its line.

A Jupyter Book site is configured in ``_config.yml``: a Sphinx setting ``ddl_giscus`` is written
there as ``sphinx: config: ddl_giscus:`` and ``html_baseurl`` as ``html: baseurl:``. A plain
Sphinx project writes both in ``conf.py``. Plain functions; nothing here knows Sphinx.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from ..core.problems import Problem

CONFIG_FILE = "_config.yml"
#: Where Jupyter Book reads a Sphinx setting from in ``_config.yml``.
YAML_PATHS = {"html_baseurl": ("html", "baseurl")}


def yaml_path(setting: str) -> tuple[str, ...]:
    return YAML_PATHS.get(setting, ("sphinx", "config", setting))


def key_line(text: str, path: tuple[str, ...]) -> int | None:
    """The line (from 1) of the deepest key of ``path`` that the YAML ``text`` has: the key
    itself when it is there, else the mapping it would go in. None if the text does not parse."""
    try:
        node = yaml.compose(text, Loader=yaml.BaseLoader)
    except yaml.YAMLError:
        return None
    line = None
    for name in path:
        if not isinstance(node, yaml.MappingNode):
            break
        for key_node, value_node in node.value:
            if key_node.value == name:
                line, node = key_node.start_mark.line + 1, value_node
                break
        else:
            break
    return line


@dataclass(frozen=True)
class ConfigSource:
    """The file the settings are written in, and (for ``_config.yml``) its text."""

    file: str
    text: str | None = None

    @classmethod
    def of(cls, folder: Path) -> ConfigSource:
        """``_config.yml`` when the folder has one (a Jupyter Book), else ``conf.py``."""
        path = Path(folder) / CONFIG_FILE
        if path.is_file():
            return cls(CONFIG_FILE, path.read_text(encoding="utf-8"))
        return cls("conf.py")

    @property
    def is_yaml(self) -> bool:
        return self.text is not None

    def key(self, setting: str, sub: str = "") -> str:
        """``sphinx.config.ddl_giscus.repo_id`` in ``_config.yml``; ``ddl_giscus['repo_id']``
        in ``conf.py``."""
        if self.is_yaml:
            return ".".join((*yaml_path(setting), *([sub] if sub else [])))
        return f'{setting}["{sub}"]' if sub else setting

    def written(self, setting: str) -> str:
        """How an author writes the setting: ``sphinx: config: ddl_giscus:`` or
        ``ddl_giscus``."""
        if self.is_yaml:
            return " ".join(f"{name}:" for name in yaml_path(setting))
        return setting

    def listing(self, setting: str, subs: tuple[str, ...]) -> str:
        """Several keys of one setting, as an author would look for them:
        ``sphinx: config: ddl_giscus: repo, repo_id`` or ``ddl_giscus's 'repo', 'repo_id'``."""
        if self.is_yaml:
            return f"{self.written(setting)} {', '.join(subs)}"
        return f"{setting}'s keys {', '.join(subs)}"

    def line(self, setting: str, sub: str = "") -> int | None:
        if not self.is_yaml:
            return None
        return key_line(self.text, (*yaml_path(setting), *([sub] if sub else [])))

    def problem(self, setting: str, sub: str, expected: str, found: str, fix: str) -> Problem:
        return Problem(
            self.file,
            self.line(setting, sub),
            self.key(setting, sub),
            expected,
            found,
            fix,
            where="configuration key",
        )


def giscus_problems(settings: object, source: ConfigSource) -> list[Problem]:
    """The ``ddl_giscus`` settings' problems (:func:`.comments.problems`), each naming the file,
    the line and the key."""
    from . import comments

    return [
        source.problem("ddl_giscus", p.key, p.expected, p.found, p.fix)
        for p in comments.problems(settings)
    ]


def baseurl_problem(source: ConfigSource) -> Problem:
    """The site's address is missing (the feed, canonical links and social cards need it)."""
    return source.problem(
        "html_baseurl",
        "",
        "the site's address, e.g. https://example.github.io/",
        "no value",
        f"Set {source.written('html_baseurl')} in {source.file}: the feed, the canonical "
        "links and the social cards are built from it.",
    )
