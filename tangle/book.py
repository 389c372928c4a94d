"""Read the book: the chapters in table-of-contents order, their code cells
and the Markdown between them.

Chapters are MyST Markdown notebooks. We split them into cells with the same
markdown-it parser, MyST extensions and directive-option reader that myst-nb
uses to execute and render them, so the tangler and the build always agree on
what a cell is and what its metadata says (a test checks this against myst-nb
itself). The same reader splits the Markdown into blocks (directives with
their options, fenced code, targets, definition lists, text), each with its
line in the chapter: this module is the one reader of the chapters' text, for
the tangler, the readers' notebooks and the exercises' checks.
"""

from __future__ import annotations

import dataclasses
import functools
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import yaml

from tangle.errors import TangleError

if TYPE_CHECKING:
    from collections.abc import Iterator

    from markdown_it import MarkdownIt
    from markdown_it.token import Token

CODE_DIRECTIVE = "{code-cell}"
SETUP_SCRIPT = "../tangle/setup_chapter.py"


@dataclasses.dataclass(frozen=True)
class CodeCell:
    """One `{code-cell}` of a chapter."""

    chapter: Chapter
    fence_line: int  # 1-based line of the opening ```{code-cell}
    code_line: int  # 1-based line of the first line of code
    source: str
    options: dict[str, Any]
    section: str  # text of the nearest heading above the cell

    @property
    def where(self) -> str:
        """`book/02-value.md:57`, the place an error message points to."""
        return f"{self.chapter.path}:{self.fence_line}"

    def line_of(self, code_lineno: int) -> int:
        """The chapter line of line `code_lineno` (1-based) of the cell's code."""
        return self.code_line + code_lineno - 1

    @property
    def tags(self) -> list[str]:
        return list(self.options.get("tags") or [])


@dataclasses.dataclass(frozen=True)
class Text:
    """Lines of Markdown as written (paragraphs, headings, lists, maths)."""

    line: int  # 1-based line of the first of `lines`
    lines: list[str]


@dataclasses.dataclass(frozen=True)
class Fence:
    """A fenced block of code that is no directive, as written."""

    line: int
    lines: list[str]  # the fences included


@dataclasses.dataclass(frozen=True)
class Target:
    """`(name)=`, a label for the block after it."""

    line: int
    name: str


@dataclasses.dataclass(frozen=True)
class Definitions:
    """A definition list: each term (one line) with its definition's lines."""

    line: int
    items: list[tuple[str, list[str]]]


@dataclasses.dataclass(frozen=True)
class Directive:
    """A MyST directive other than a code cell, ```` ```{name} argument ````
    (or `:::{name}`), with its options and its body."""

    path: str
    line: int  # 1-based line of the opening fence
    end_line: int  # 1-based line of the closing fence
    name: str
    argument: str
    options: dict[str, Any]
    body: str
    body_line: int  # 1-based line of the body's first line

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"

    @property
    def blocks(self) -> list[Block]:
        """The body, read as Markdown (directives nest)."""
        return parse_markdown(self.body, self.path, self.body_line)


Block = Text | Fence | Target | Definitions | Directive


@dataclasses.dataclass(frozen=True)
class Markdown:
    """The Markdown between two code cells of a chapter (myst-nb makes it
    one Markdown cell), read into blocks."""

    line: int  # 1-based line of its first line
    text: str
    blocks: list[Block]


@dataclasses.dataclass(eq=False)
class Chapter:
    path: str  # relative to the book root, e.g. "book/02-value.md"
    title: str
    cells: list[CodeCell]
    text: str = dataclasses.field(repr=False)
    # The chapter in order: its Markdown and its code cells, as myst-nb
    # makes them into notebook cells.
    parts: list[Markdown | CodeCell] = dataclasses.field(default_factory=list, repr=False)
    # Apparatus: the book's own machinery (the figures), not a lesson. Its
    # code is in every snapshot, so every chapter can use it; the front
    # matter says `tangle: {apparatus: true}`.
    apparatus: bool = False
    # Timed: the chapter measures how long its code takes and makes claims
    # about it, so the build runs it with no other chapter beside it
    # (`tangle: {timed: true}`; see tangle/execute.py).
    timed: bool = False

    @property
    def stem(self) -> str:
        """`02-value` for `book/02-value.md`: the chapter's name in the book."""
        return Path(self.path).stem

    @property
    def docname(self) -> str:
        """The Sphinx document name, e.g. `book/02-value`."""
        return self.path.rsplit(".", 1)[0]

    @property
    def directives(self) -> list[Directive]:
        """The directives between the code cells (not those nested in
        another), in order: exercises, solutions, admonitions."""
        return [
            block
            for part in self.parts
            if isinstance(part, Markdown)
            for block in part.blocks
            if isinstance(block, Directive)
        ]


@dataclasses.dataclass
class Book:
    root: Path
    chapters: list[Chapter]

    @classmethod
    def load(cls, root: Path | str) -> Book:
        root = Path(root).resolve()
        files = toc_files(root)
        return cls(root, [read_chapter(root, f) for f in files])

    def chapter(self, stem: str) -> Chapter:
        for chapter in self.chapters:
            if chapter.stem == stem:
                return chapter
        known = ", ".join(c.stem for c in self.chapters)
        raise TangleError(f"no chapter named {stem!r} in _toc.yml (chapters: {known})")


def check_setup_cells(book: Book) -> None:
    """Every chapter with code starts with the hidden set-up cell, which runs
    it against the package as the chapters before it left it."""
    for chapter in book.chapters:
        if not chapter.cells:
            continue
        first = chapter.cells[0]
        expected = f"%run {SETUP_SCRIPT} {chapter.stem}"
        if first.source.strip() != expected or "remove-cell" not in first.tags:
            raise TangleError(
                f"{first.where}: the first code cell of a chapter must be the "
                f"hidden set-up cell, which runs the chapter against the "
                f"package as the chapters before it left it:\n\n"
                f"```{{code-cell}} python\n:tags: [remove-cell]\n{expected}\n```"
            )
        for cell in chapter.cells[1:]:
            if cell.source.strip().startswith(f"%run {SETUP_SCRIPT}"):
                raise TangleError(f"{cell.where}: only the first cell may run the set-up")


def toc_files(root: Path) -> list[str]:
    """The chapter files listed in `_toc.yml`, in reading order."""
    toc_path = root / "_toc.yml"
    if not toc_path.exists():
        raise TangleError(f"{toc_path}: not found; the book needs a _toc.yml")
    toc = yaml.safe_load(toc_path.read_text(encoding="utf-8")) or {}
    files: list[str] = []

    def visit(entry: Any) -> None:
        if isinstance(entry, dict):
            if "file" in entry:
                files.append(entry["file"])
            for key in ("parts", "chapters", "sections"):
                for child in entry.get(key) or []:
                    visit(child)
        elif isinstance(entry, list):
            for child in entry:
                visit(child)

    if "root" not in toc:
        raise TangleError(f"{toc_path}: has no 'root' entry")
    files.append(toc["root"])
    visit({k: v for k, v in toc.items() if k in ("parts", "chapters")})
    resolved = []
    for name in files:
        path = name if name.endswith(".md") else name + ".md"
        if not (root / path).exists():
            raise TangleError(f"{toc_path}: lists {name!r}, but {path} does not exist")
        resolved.append(path)
    return resolved


# The MyST extensions the book's chapters are written with: `_config.yml`
# enables the same (a test checks), so we read what the build reads.
MYST_EXTENSIONS = frozenset({"amsmath", "colon_fence", "deflist", "dollarmath", "substitution"})


@functools.lru_cache(maxsize=1)
def _block_parser() -> MarkdownIt:
    """markdown-it configured like myst-nb's notebook reader (blocks only)."""
    from markdown_it.renderer import RendererHTML
    from myst_parser.config.main import MdParserConfig
    from myst_parser.parsers.mdit import create_md_parser

    config = MdParserConfig(enable_extensions=set(MYST_EXTENSIONS))
    config = dataclasses.replace(config, disable_syntax=list(config.disable_syntax) + ["inline"])
    return create_md_parser(config, RendererHTML)


def _directive_options(content: str, where: str) -> tuple[dict[str, Any], list[str], int]:
    """A directive's options, body lines, and how many lines come before
    the body (the options), read as myst-nb reads a cell's."""
    from docutils.parsers.rst import Directive, directives
    from myst_parser.parsers.directives import parse_directive_text

    class _AnyOptions(Directive):  # reads every option as YAML, as myst-nb's reader does
        option_spec: ClassVar = {"options": directives.unchanged}
        required_arguments = 0
        optional_arguments = 1
        has_content = True

    result = parse_directive_text(
        directive_class=_AnyOptions,
        first_line="",
        content=content,
        validate_options=False,
    )
    if result.warnings:
        warning = result.warnings[0]
        message = getattr(warning, "msg", warning)
        raise TangleError(f"{where}: cannot read the options: {message}")
    return dict(result.options), list(result.body), result.body_offset


def _top_level(tokens: list[Token]) -> Iterator[tuple[int, Token]]:
    """(index, token) of the tokens that open or are a block at the top."""
    nesting = 0
    for index, token in enumerate(tokens):
        if nesting == 0 and token.map is not None:
            yield index, token
        nesting += token.nesting


def _directive_name(token: Token) -> str | None:
    """`exercise-start` for ```` ```{exercise-start} ````; None for a plain fence."""
    if token.type not in ("fence", "colon_fence") or not token.info.startswith("{"):
        return None
    name, brace, _ = token.info[1:].partition("}")
    return name if brace else None


def parse_markdown(text: str, path: str = "", first_line: int = 1) -> list[Block]:
    """The blocks of a Markdown text whose first line is line `first_line`
    of `path`."""
    tokens = _block_parser().parse(text + "\n")
    lines = text.splitlines()
    return _blocks(list(_top_level(tokens)), tokens, lines, (0, len(lines)), path, first_line - 1)


def _blocks(
    top: list[tuple[int, Token]],
    tokens: list[Token],
    lines: list[str],
    span: tuple[int, int],
    path: str,
    offset: int,
) -> list[Block]:
    """The blocks of `lines[span[0]:span[1]]`, whose top-level tokens are
    `top`; the lines no token takes (blank ones) are Text. Line `i` of
    `lines` is line `i + 1 + offset` of `path`."""
    blocks: list[Block] = []
    done, stop = span  # the lines before `done` are in blocks
    for index, token in top:
        start, end = token.map or (0, 0)
        if start > done:
            blocks.append(Text(offset + done + 1, lines[done:start]))
        # A list's block takes the blank lines after it: they stay Text.
        while end > start + 1 and end <= len(lines) and not lines[end - 1].strip():
            end -= 1
        blocks.append(_block(tokens, index, lines[start:end], path, offset + start + 1))
        done = end
    if done < stop:
        blocks.append(Text(offset + done + 1, lines[done:stop]))
    return blocks


def _block(tokens: list[Token], index: int, lines: list[str], path: str, line: int) -> Block:
    """The block that opens at `tokens[index]`, on `line`, whose `lines`
    these are."""
    token = tokens[index]
    name = _directive_name(token)
    if name is not None:
        where = f"{path}:{line}"
        options, body, offset = _directive_options(token.content, where)
        argument = token.info[len(name) + 2 :].strip()
        closing = line + len(lines) - 1
        return Directive(
            path, line, closing, name, argument, options, "\n".join(body), line + 1 + offset
        )
    if token.type == "fence":
        return Fence(line, lines)
    if token.type == "myst_target":
        return Target(line, token.content)
    if token.type == "dl_open":
        return Definitions(line, _definitions(tokens, index))
    return Text(line, lines)


def _definitions(tokens: list[Token], index: int) -> list[tuple[str, list[str]]]:
    """The terms and definitions of the list that opens at `tokens[index]`."""
    items: list[tuple[str, list[str]]] = []
    nesting = 0
    inside = ""
    for token in tokens[index:]:
        nesting += token.nesting
        if token.type in ("dt_open", "dd_open"):
            inside = token.type
        elif token.type == "inline" and inside == "dt_open":
            items.append((token.content, []))
        elif token.type == "inline" and inside == "dd_open" and items:
            items[-1][1].extend(([""] if items[-1][1] else []) + token.content.splitlines())
        if nesting == 0:
            break
    return items


def read_chapter(root: Path, path: str) -> Chapter:
    text = (root / path).read_text(encoding="utf-8")
    return parse_chapter(path, text)


def parse_chapter(path: str, text: str) -> Chapter:
    tokens = _block_parser().parse(text + "\n")
    chapter = Chapter(path=path, title="", cells=[], text=text)
    lines = text.splitlines()
    section = ""
    markdown: list[tuple[int, Token]] = []  # the blocks since the last part
    markdown_start = 0  # the first line of the Markdown not yet in a part
    for index, token in _top_level(tokens):
        start, end = token.map or (0, 0)
        if token.type == "front_matter":
            settings = _settings(path, token.content)
            chapter.apparatus, chapter.timed = settings["apparatus"], settings["timed"]
            markdown_start = end
        elif token.type == "fence" and token.info.startswith(CODE_DIRECTIVE):
            _add_markdown(chapter, tokens, markdown, lines, (markdown_start, start))
            cell = _code_cell(chapter, token, section)
            chapter.cells.append(cell)
            chapter.parts.append(cell)
            markdown, markdown_start = [], end
        else:
            markdown.append((index, token))
            if token.type == "heading_open":
                section = tokens[index + 1].content.strip()
                if not chapter.title and token.tag == "h1":
                    chapter.title = section
    _add_markdown(chapter, tokens, markdown, lines, (markdown_start, len(lines)))
    if not chapter.title:
        raise TangleError(f"{path}:1: the chapter has no '# Title' heading")
    return chapter


def _code_cell(chapter: Chapter, token: Token, section: str) -> CodeCell:
    start = (token.map or (0, 0))[0]
    options, body, offset = _directive_options(token.content, f"{chapter.path}:{start + 1}")
    return CodeCell(
        chapter=chapter,
        fence_line=start + 1,
        code_line=start + 2 + offset,
        source="\n".join(body),
        options=options,
        section=section,
    )


def _add_markdown(
    chapter: Chapter,
    tokens: list[Token],
    top: list[tuple[int, Token]],
    lines: list[str],
    span: tuple[int, int],
) -> None:
    """The Markdown of `lines[span[0]:span[1]]`, whose top-level tokens are
    `top`, as a part of the chapter, unless it is blank (myst-nb makes no
    cell of it either)."""
    text = "\n".join(lines[span[0] : span[1]])
    if text.strip():
        blocks = _blocks(top, tokens, lines, span, chapter.path, 0)
        chapter.parts.append(Markdown(span[0] + 1, text, blocks))


# The settings the front matter's `tangle:` entry takes, all false unless set.
SETTINGS = {
    "apparatus": "the chapter holds the book's machinery",
    "timed": "the chapter times its code, so it runs with no other beside it",
}


def _settings(path: str, front_matter: str) -> dict[str, bool]:
    """What the front matter's `tangle:` entry says (see SETTINGS)."""
    try:
        settings = (yaml.safe_load(front_matter) or {}).get("tangle") or {}
    except yaml.YAMLError as error:
        raise TangleError(f"{path}:1: cannot read the front matter: {error}") from None
    if not isinstance(settings, dict) or set(settings) - set(SETTINGS):
        known = "; ".join(f"`{name}: true` ({why})" for name, why in SETTINGS.items())
        raise TangleError(
            f"{path}:1: the front matter's `tangle:` entry takes these settings: "
            f"{known}; not {settings!r}"
        )
    for name, value in settings.items():
        if not isinstance(value, bool):
            raise TangleError(f"{path}:1: `{name}:` is true or false, not {value!r}")
    return {name: settings.get(name, False) for name in SETTINGS}
