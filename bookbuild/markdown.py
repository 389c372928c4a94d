"""A chapter's MyST Markdown as the Markdown every Jupyter renders.

The chapter comes read into blocks by `tangle.book` (the one reader of the
chapters); this module says what each block becomes in a reader's notebook:
glued numbers become their text, `{{ substitutions }}` their value,
admonitions become quotes (or `<details>` when they fold), exercises get
their numbers and solutions fold. Targets and what only the site or the PDF
needs (`only`, `tabularcolumns`) go.

What it cannot convert is a warning, naming chapter and line, which fails
the build: the notebook would otherwise show raw MyST to the reader.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path

from tangle.book import Block, Definitions, Directive, Fence, Target, Text

# Inline MyST in a line of text: markdown-it's inline tokens do not say
# where in the line they stand, so these two patterns find them to rewrite
# the line in place.
ROLE = re.compile(r"\{(?P<name>[a-z][\w:-]*)\}`(?P<content>[^`]+)`")
SUBSTITUTION = re.compile(r"\{\{\s*(?P<name>\w+)\s*\}\}")
ADMONITIONS = {
    "note",
    "tip",
    "hint",
    "important",
    "warning",
    "caution",
    "attention",
    "danger",
    "error",
    "seealso",
}

Line = tuple[str, str]  # ("text", a line), or a solution's start (its title) or end


class Converter:
    """Turns one chapter's Markdown, part by part in order, into the text of
    notebook cells.

    State runs across parts: exercises are numbered, and a solution spans
    Markdown and code cells from `solution-start` to `solution-end`.
    """

    def __init__(
        self,
        glue: dict[str, str],
        number: str | None,
        substitutions: dict[str, str],
        warn: Callable[[str], None],
        format_text: Callable[[str, str], str],
        path: str = "",
    ) -> None:
        self.glue = glue
        self.number = number  # "5" for chapter 5; None when unnumbered
        self.substitutions = substitutions
        self.warn = warn
        self.format_text = format_text
        self.path = path  # the chapter, for the warnings
        self.exercises: dict[str, str] = {}  # label -> "Exercise 5.1"
        self.solution: str | None = None  # the open solution's title

    def problem(self, line: int, message: str) -> None:
        self.warn(f"{self.path}:{line}: {message}")

    def markdown(self, blocks: list[Block]) -> list[str]:
        """The Markdown cells for one Markdown part of the chapter (a
        solution's start or end splits it)."""
        parts: list[tuple[str | None, list[str]]] = [(self.solution, [])]
        for kind, text in self.lines(blocks):
            if kind == "solution-start":
                parts.append((text, []))
            elif kind == "solution-end":
                parts.append((None, []))
            else:
                parts[-1][1].append(text)
        cells = []
        for solution, lines in parts:
            text = "\n".join(lines).strip()
            text = re.sub(r"\n{3,}", "\n\n", text)
            if solution and text:
                text = f"<details>\n<summary><b>{solution}</b></summary>\n\n{text}\n\n</details>"
            if text:
                cells.append(text)
        self.solution = parts[-1][0]
        return cells

    def lines(self, blocks: list[Block]) -> Iterator[Line]:
        for block in blocks:
            if isinstance(block, Directive):
                yield from self.directive(block)
            elif isinstance(block, Fence):
                yield from (("text", line) for line in block.lines)
            elif isinstance(block, Definitions):
                yield from self.definitions(block)
            elif isinstance(block, Text):
                for offset, line in enumerate(block.lines):
                    yield "text", self.inline(line, block.line + offset)
            else:
                assert isinstance(block, Target)  # a label for the site's links

    def definitions(self, block: Definitions) -> Iterator[Line]:
        """Jupyter's Markdown has no definition lists: each definition
        becomes a list item, `term: definition`."""
        for index, (term, definition) in enumerate(block.items):
            first, *rest = definition or [""]
            if index:
                yield "text", ""
            yield "text", f"- {self.inline(term, block.line)}: {self.inline(first, block.line)}"
            yield from (("text", f"  {self.inline(line, block.line)}") for line in rest)

    def directive(self, directive: Directive) -> Iterator[Line]:
        name, argument, line = directive.name, directive.argument, directive.line
        if name == "exercise-start":
            label = str(directive.options.get("label", ""))
            count = len(self.exercises) + 1
            title = f"Exercise {self.number}.{count}" if self.number else f"Exercise {count}"
            self.exercises[label] = title
            yield "text", f"### {title}" + (f": {self.inline(argument, line)}" if argument else "")
        elif name == "solution-start":
            exercise = self.exercises.get(argument)
            if exercise is None:
                self.problem(line, f"a solution for {argument!r}, which is no exercise before it")
            yield "solution-start", f"Solution to {exercise or 'the exercise'}"
        elif name == "solution-end":
            yield "solution-end", ""
        elif name in ("exercise-end", "only", "tabularcolumns"):
            return  # a notebook is neither the site nor the PDF
        elif name == "admonition" or name in ADMONITIONS:
            yield from self.admonition(directive)
        else:
            self.problem(
                line,
                f"the directive {{{name}}} has no notebook form; "
                f"teach bookbuild/markdown.py to convert it",
            )
            yield from (("text", text) for text in self.body(directive))

    def admonition(self, directive: Directive) -> Iterator[Line]:
        if directive.name == "admonition":
            title = self.inline(directive.argument, directive.line)
        else:
            title = directive.name.capitalize()
        inner = self.body(directive)
        if "dropdown" in str(directive.options.get("class", "")).split():
            yield "text", f"<details>\n<summary><b>{title}</b></summary>\n"
            yield from (("text", line) for line in inner)
            yield "text", "\n</details>"
        else:
            yield "text", f"> **{title}**"
            yield "text", ">"
            yield from (("text", f"> {line}" if line.strip() else ">") for line in inner)

    def body(self, directive: Directive) -> list[str]:
        """The lines of a directive's body (no solution may start or end in it)."""
        lines = []
        for kind, text in self.lines(directive.blocks):
            if kind == "text":
                lines.append(text)
            else:
                self.problem(directive.line, "a solution inside another directive")
        return lines

    def inline(self, text: str, line: int) -> str:
        """`text` (on `line`) with its glued numbers and substitutions."""

        def role(match: re.Match[str]) -> str:
            name, content = match["name"], match["content"]
            if name == "glue:text" or name == "glue:":
                doc, sep, rest = content.rpartition("::")  # another chapter's
                key, _, spec = rest.partition(":")
                key = doc + sep + key
                if key not in self.glue:
                    self.problem(line, f"nothing is glued as {key!r}")
                    return match[0]
                return self.format_text(self.glue[key], spec)
            self.problem(
                line,
                f"the role {{{name}}} has no notebook form; teach "
                f"bookbuild/markdown.py to convert it",
            )
            return f"`{content}`"

        def substitution(match: re.Match[str]) -> str:
            name = match["name"]
            if name not in self.substitutions:
                self.problem(line, f"no substitution named {name!r}")
                return match[0]
            return str(self.substitutions[name])

        return SUBSTITUTION.sub(substitution, ROLE.sub(role, text))


class Glued(dict[str, str]):
    """The numbers a chapter glued, by key (text/plain), as the build saved
    them beside the chapter as it ran; `other.md::key` is a number another
    chapter glued (myst-nb's syntax: the other chapter's file, relative to
    this one's folder)."""

    def __init__(self, folder: Path, docname: str) -> None:
        super().__init__(self.read(folder / f"{docname}.glue.json"))
        self.folder = folder / Path(docname).parent

    @staticmethod
    def read(path: Path) -> dict[str, str]:
        if not path.exists():
            return {}
        return {
            key: output.get("data", {}).get("text/plain", "")
            for key, output in json.loads(path.read_text("utf-8")).items()
        }

    def __missing__(self, key: str) -> str:
        doc, sep, name = key.partition("::")
        glued = self.read(self.folder / f"{Path(doc).stem}.glue.json") if sep else {}
        if name not in glued:
            raise KeyError(key)
        return glued[name]

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str):
            return False
        try:
            self[key]
        except KeyError:
            return False
        return True
