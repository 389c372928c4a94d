"""Reading the book: chapters and cells exactly as myst-nb reads them, and
the errors for a book whose shape is wrong."""

from __future__ import annotations

import textwrap

import pytest
import yaml

from tangle.book import (
    MYST_EXTENSIONS,
    Book,
    CodeCell,
    Definitions,
    Directive,
    Fence,
    Target,
    Text,
    parse_chapter,
    parse_markdown,
)
from tangle.errors import TangleError
from tangle.tangler import tangle_book


def test_cells_are_read_exactly_as_myst_nb_reads_them(root):
    from myst_nb.core.read import read_myst_markdown_notebook
    from myst_parser.config.main import MdParserConfig

    config = MdParserConfig(enable_extensions=set(MYST_EXTENSIONS))
    for chapter_ in Book.load(root).chapters:
        notebook = read_myst_markdown_notebook(chapter_.text, config)
        theirs = [(c.cell_type, c.source, dict(c.metadata)) for c in notebook.cells]
        ours = [
            ("code", part.source, part.options)
            if isinstance(part, CodeCell)
            else ("markdown", part.text.strip("\n").rstrip(), {})
            for part in chapter_.parts
        ]
        assert ours == theirs, chapter_.path
        assert chapter_.cells == [part for part in chapter_.parts if isinstance(part, CodeCell)]
        lines = chapter_.text.splitlines()
        for c in chapter_.cells:  # code_line really is the first line of code
            if c.source:
                assert lines[c.code_line - 1] == c.source.splitlines()[0], c.where


def test_chapter_without_title_is_an_error(toy):
    with pytest.raises(TangleError, match="no '# Title' heading"):
        parse_chapter("book/x.md", toy.FRONT_MATTER + "no title\n")


def test_error_missing_toc_entry(tmp_path):
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: book/nope\n")
    with pytest.raises(TangleError, match=r"lists 'book/nope', but book/nope\.md does not exist"):
        Book.load(tmp_path)


def test_error_missing_setup_cell_says_what_to_write(toy):
    book = toy.write({"01-a": toy.chapter("01-a", "A", toy.cell("x = 1"), setup=False)})
    with pytest.raises(TangleError) as error:
        tangle_book(book)
    assert "%run ../tangle/setup_chapter.py 01-a" in str(error.value)
    assert str(error.value).startswith("book/01-a.md:")


def test_the_book_is_read_with_the_myst_extensions_it_is_built_with(root):
    config = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))
    assert set(config["parse"]["myst_enable_extensions"]) == MYST_EXTENSIONS


MARKDOWN = textwrap.dedent("""\
    (a-target)=
    ## Gradients

    ::::{admonition} Why?
    :class: note dropdown
    Because.

    ```{only} html
    Nested.
    ```
    ::::

    `data`
    : the number,
      on two lines.

    ```python
    :not: an option
    ```
    """)


def test_markdown_is_read_into_blocks_with_their_lines():
    blocks = parse_markdown(MARKDOWN, "book/01-a.md", 10)
    shown = [block for block in blocks if not (isinstance(block, Text) and block.lines == [""])]
    target, heading, admonition, definitions, fence = shown
    assert target == Target(10, "a-target")
    assert heading == Text(11, ["## Gradients"])
    assert isinstance(admonition, Directive)
    assert (admonition.name, admonition.argument, admonition.options) == (
        "admonition",
        "Why?",
        {"class": "note dropdown"},
    )
    assert (admonition.where, admonition.end_line, admonition.body_line) == (
        "book/01-a.md:13",
        20,
        15,
    )
    assert admonition.body.splitlines()[0] == "Because."
    nested = [block for block in admonition.blocks if isinstance(block, Directive)]
    assert [(d.name, d.argument, d.line, d.body) for d in nested] == [
        ("only", "html", 17, "Nested.")
    ]
    assert definitions == Definitions(22, [("`data`", ["the number,", "on two lines."])])
    assert fence == Fence(26, ["```python", ":not: an option", "```"])
    lines = [line for block in blocks if isinstance(block, (Text, Fence)) for line in block.lines]
    assert len(lines) + 1 + 8 + 3 == len(MARKDOWN.splitlines())  # every line, once


def test_a_chapter_is_its_markdown_and_code_cells_in_order():
    text = "# A\n\n```{exercise-start}\n:label: ex-a\n```\n\n```{code-cell} python\nx = 1\n```\n"
    chapter = parse_chapter("book/01-a.md", text + "\n:::{note}\nInside.\n:::\n")
    assert [type(part).__name__ for part in chapter.parts] == ["Markdown", "CodeCell", "Markdown"]
    assert [part.line for part in chapter.parts if not isinstance(part, CodeCell)] == [1, 10]
    assert [(d.name, d.options, d.line) for d in chapter.directives] == [
        ("exercise-start", {"label": "ex-a"}, 3),
        ("note", {}, 11),
    ]


def test_a_directive_whose_options_cannot_be_read_is_an_error_naming_its_line():
    with pytest.raises(TangleError, match=r"^book/01-a.md:3: cannot read the options"):
        parse_chapter("book/01-a.md", "# A\n\n```{note}\n---\n[unclosed\n---\nText.\n```\n")
