"""A post read as MyST reads it: the markdown-it tokens of MyST's own parser, with lines.

The checks of a post's text (:mod:`ddl_site.blog.checks`, the heading check of
:mod:`ddl_site.blog.frontmatter`) must see what the site renders: prose where MyST finds
paragraphs, maths where ``dollarmath`` or ``amsmath`` finds maths, code where MyST finds a
code span or a code block. So they read the tokens of the parser MyST builds
(``myst_parser.parsers.mdit.create_md_parser``, with the extensions the site enables), never
the raw lines.

markdown-it gives a block its lines (``Token.map``) but not the pieces of a paragraph: here
every inline token also gets the line it starts on, so that a message names the line of the
number or the symbol, not of the paragraph. A directive that holds prose (``{note}``,
``{figure}``…) is parsed again, its options left out, as MyST parses its content.

Plain functions; nothing here knows Sphinx. :func:`read` is cached, so the checks of one post
share one parse.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from markdown_it import MarkdownIt
from markdown_it.parser_inline import ParserInline
from markdown_it.renderer import RendererHTML
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from myst_parser.config.main import MdParserConfig
from myst_parser.parsers.mdit import create_md_parser

#: The MyST extensions the site enables (``parse: myst_enable_extensions`` in ``_config.yml``).
SITE_EXTENSIONS = ("amsmath", "colon_fence", "deflist", "dollarmath", "substitution")
#: Directives whose content is not prose (code, maths, raw output) and is skipped whole.
OPAQUE_DIRECTIVES = frozenset(
    {
        "code-cell",
        "code-block",
        "code",
        "sourcecode",
        "literalinclude",
        "math",
        "raw",
        "glue:figure",
        "glue:math",
        "mermaid",
        "csv-table",
        "list-table",
        "eval-rst",
    }
)
#: The MyST extensions to parse with, or MyST's whole configuration (None: the site's).
Extensions = Iterable[str] | MdParserConfig | None
DIRECTIVE = re.compile(r"^\{([\w:\-]+)\}")
MATHS_BLOCKS = {"math_block", "math_block_label", "amsmath"}
MATHS_INLINE = {"math_inline", "math_inline_double"}


@dataclass(frozen=True)
class Span:
    """One inline token of a paragraph, heading, table cell or term."""

    line: int  # the post's line (from 1) the token starts on
    type: str  # the token's type: text, code_inline, math_inline, myst_role, link_open...
    content: str
    token: Token = field(compare=False, repr=False)


@dataclass(frozen=True)
class Block:
    """A block that is not prose: code or display maths."""

    line: int  # the post's line (from 1) of the content's first line
    kind: str  # "code" or "maths"
    info: str  # a fence's info string ("python", "{code-block} python"), "" for none
    content: str  # the content, a directive's options left out


@dataclass(frozen=True)
class Heading:
    line: int
    level: int
    text: str


@dataclass
class Reading:
    """What a post holds, in the order MyST reads it."""

    lines: list[str]  # the post's lines, to quote in messages
    inlines: list[list[Span]] = field(default_factory=list)  # one list per paragraph, cell...
    blocks: list[Block] = field(default_factory=list)
    headings: list[Heading] = field(default_factory=list)

    def quote(self, line: int) -> str:
        """The post's line ``line`` (from 1), stripped, for a message."""
        return self.lines[line - 1].strip() if 0 < line <= len(self.lines) else ""


def site_extensions(root: Path) -> tuple[str, ...]:
    """The MyST extensions a site's ``_config.yml`` enables (``parse: myst_enable_extensions``);
    :data:`SITE_EXTENSIONS` when it has no such list."""
    path = Path(root) / "_config.yml"
    try:
        config = yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else None
    except yaml.YAMLError:
        config = None
    parse = config.get("parse") if isinstance(config, dict) else None
    names = parse.get("myst_enable_extensions") if isinstance(parse, dict) else None
    if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
        return SITE_EXTENSIONS
    return tuple(sorted(names))


def directive(info: str) -> str | None:
    """``{note} Title`` -> ``note``; None for a fence that is not a directive."""
    match = DIRECTIVE.match(info.strip())
    return match.group(1) if match else None


# -- lines of inline tokens ----------------------------------------------------------------


class _LocatingState(StateInline):
    """markdown-it's inline state, which also records where each token starts: as the
    ``map`` of the token, lines counted from the start of the paragraph."""

    @property
    def pending(self) -> str:
        return self._pending

    @pending.setter
    def pending(self, text: str) -> None:
        if text and not getattr(self, "_pending", ""):
            self._pending_start = self.pos  # pending text is collected from here
        self._pending = text

    def _line(self, pos: int) -> list[int]:
        line = self.src.count("\n", 0, pos)
        return [line, line + 1]

    def pushPending(self) -> Token:
        token = super().pushPending()
        token.map = self._line(self._pending_start)
        return token

    def push(self, ttype, tag, nesting) -> Token:
        token = super().push(ttype, tag, nesting)
        token.map = self._line(self.pos)  # rules push a token before moving past it
        return token


class _LocatingInline(ParserInline):
    def parse(self, src, md, env, tokens):
        state = _LocatingState(src, md, env, tokens)
        self.tokenize(state)
        for rule in self.ruler2.getRules(""):
            rule(state)
        return state.tokens


#: The MyST configurations parsed with, by a key (a configuration is not hashable).
_CONFIGS: dict[str, MdParserConfig] = {}


def _key(extensions: Extensions) -> str:
    if isinstance(extensions, MdParserConfig):
        key = repr(extensions)
        _CONFIGS.setdefault(key, extensions)
        return key
    names = sorted(set(SITE_EXTENSIONS if extensions is None else extensions))
    key = "extensions: " + ", ".join(names)
    if key not in _CONFIGS:
        _CONFIGS[key] = MdParserConfig(enable_extensions=set(names))
    return key


@functools.lru_cache(maxsize=8)
def _parser(key: str) -> MarkdownIt:
    md = create_md_parser(_CONFIGS[key], RendererHTML)
    md.inline.__class__ = _LocatingInline
    return md


def parser(extensions: Extensions = None) -> MarkdownIt:
    """MyST's markdown-it parser for the extensions (or the whole MyST configuration) given;
    the site's extensions by default. Its inline tokens carry their lines in ``map``."""
    return _parser(_key(extensions))


# -- the reading ---------------------------------------------------------------------------


def read(text: str, extensions: Extensions = None) -> Reading:
    """The prose, code, maths and headings of a post's MyST source, as MyST parses it with
    the extensions (or the configuration) given. Cached: the checks of a post share one parse;
    a reading is not to be changed."""
    return _read(text, _key(extensions))


@functools.lru_cache(maxsize=4)  # the checks of one post run together
def _read(text: str, key: str) -> Reading:
    md = _parser(key)
    reading = Reading(text.splitlines())
    _walk(md, md.parse(text), 0, reading)
    return reading


def _options_end(lines: list[str]) -> int:
    """How many of a directive's first content lines are its options, as MyST reads them:
    a YAML block between ``---`` lines, or ``:name: value`` lines."""
    if lines and lines[0].startswith("---"):
        for index in range(1, len(lines)):
            if re.match(r"^-{3,}", lines[index]):
                return index + 1
        return len(lines)
    count = 0
    while count < len(lines) and lines[count].lstrip().startswith(":"):
        count += 1
    return count


def _walk(md: MarkdownIt, tokens: list[Token], offset: int, reading: Reading) -> None:
    """Add ``tokens`` (of text starting on the post's line ``offset + 1``) to ``reading``."""
    heading: Token | None = None
    for token in tokens:
        kind = token.type
        if kind == "heading_open":
            heading = token
        elif kind == "inline":
            first = offset + token.map[0] + 1
            spans: list[Span] = []
            _spans(token.children or [], first, spans)
            reading.inlines.append(spans)
            if heading is not None:
                reading.headings.append(Heading(first, int(heading.tag[1:]), token.content))
                heading = None
        elif kind in ("fence", "colon_fence"):
            name = directive(token.info)
            start = offset + token.map[0] + 1  # 0-based line of the content's first line
            body = token.content.splitlines(keepends=True)
            skip = _options_end([line.rstrip("\n") for line in body]) if name else 0
            content = "".join(body[skip:])
            if name is not None and name not in OPAQUE_DIRECTIVES:
                _walk(md, md.parse(content), start + skip, reading)
            else:
                is_maths = name == "math"
                reading.blocks.append(
                    Block(start + skip + 1, "maths" if is_maths else "code", token.info, content)
                )
        elif kind == "code_block":
            reading.blocks.append(Block(offset + token.map[0] + 1, "code", "", token.content))
        elif kind in MATHS_BLOCKS:
            reading.blocks.append(Block(offset + token.map[0] + 1, "maths", "", token.content))


def _spans(children: list[Token], first: int, spans: list[Span]) -> None:
    """The inline tokens, each with its line (``first``: the line of the paragraph's start);
    an image's description is read too."""
    for child in children:
        line = first + (child.map[0] if child.map else 0)
        spans.append(Span(line, child.type, child.content, child))
        if child.type == "image" and child.children:
            _spans(child.children, line, spans)
