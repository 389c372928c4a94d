"""Read the book: the chapters in table-of-contents order and their code cells.

Chapters are MyST Markdown notebooks. We split them into cells with the same
markdown-it parser and directive-option reader that myst-nb uses to execute
and render them, so the tangler and the build always agree on what a cell is
and what its metadata says (a test checks this against myst-nb itself).
"""

from __future__ import annotations

import dataclasses
import functools
from pathlib import Path
from typing import Any, ClassVar

import yaml

from tangle.errors import TangleError

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


@dataclasses.dataclass(eq=False)
class Chapter:
    path: str  # relative to the book root, e.g. "book/02-value.md"
    title: str
    cells: list[CodeCell]
    text: str = dataclasses.field(repr=False)
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


@functools.lru_cache(maxsize=1)
def _block_parser():
    """markdown-it configured like myst-nb's notebook reader (blocks only)."""
    from markdown_it.renderer import RendererHTML
    from myst_parser.config.main import MdParserConfig
    from myst_parser.parsers.mdit import create_md_parser

    config = MdParserConfig()
    config = dataclasses.replace(config, disable_syntax=list(config.disable_syntax) + ["inline"])
    return create_md_parser(config, RendererHTML)


def _cell_options(content: str, where: str) -> tuple[dict[str, Any], list[str]]:
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
        raise TangleError(f"{where}: cannot read the cell's options: {message}")
    return dict(result.options), list(result.body)


def read_chapter(root: Path, path: str) -> Chapter:
    text = (root / path).read_text(encoding="utf-8")
    return parse_chapter(path, text)


def parse_chapter(path: str, text: str) -> Chapter:
    tokens = _block_parser().parse(text + "\n")
    chapter = Chapter(path=path, title="", cells=[], text=text)
    lines = text.splitlines()
    section = ""
    nesting = 0
    for index, token in enumerate(tokens):
        nesting += token.nesting
        if token.type == "front_matter":
            settings = _settings(path, token.content)
            chapter.apparatus, chapter.timed = settings["apparatus"], settings["timed"]
            continue
        if token.type == "heading_open" and token.nesting == 1 and nesting == 1:
            heading = tokens[index + 1].content.strip()
            section = heading
            if not chapter.title and token.tag == "h1":
                chapter.title = heading
            continue
        if nesting != 0 or token.type != "fence":
            continue
        if not token.info.startswith(CODE_DIRECTIVE):
            continue
        start, end = token.map or (0, 0)
        where = f"{path}:{start + 1}"
        options, body = _cell_options(token.content, where)
        # The body is the last lines before the closing fence (if any).
        closing = end - 1 if end - 1 > start and _is_fence_end(lines, end - 1) else end
        code_line = closing - len(body) + 1
        chapter.cells.append(
            CodeCell(
                chapter=chapter,
                fence_line=start + 1,
                code_line=code_line,
                source="\n".join(body),
                options=options,
                section=section,
            )
        )
    if not chapter.title:
        raise TangleError(f"{path}:1: the chapter has no '# Title' heading")
    return chapter


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


def _is_fence_end(lines: list[str], index: int) -> bool:
    if index >= len(lines):
        return False
    stripped = lines[index].strip()
    return bool(stripped) and (set(stripped) <= {"`"} or set(stripped) <= {"~"})
