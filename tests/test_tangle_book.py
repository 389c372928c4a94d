"""Reading the book: chapters and cells exactly as myst-nb reads them, and
the errors for a book whose shape is wrong."""

from __future__ import annotations

import pytest

from tangle.book import Book, parse_chapter
from tangle.errors import TangleError
from tangle.tangler import tangle_book


def test_cells_are_read_exactly_as_myst_nb_reads_them(root):
    from myst_nb.core.read import read_myst_markdown_notebook

    for chapter_ in Book.load(root).chapters:
        notebook = read_myst_markdown_notebook(chapter_.text)
        theirs = [(c.source, dict(c.metadata)) for c in notebook.cells if c.cell_type == "code"]
        ours = [(c.source, c.options) for c in chapter_.cells]
        assert ours == theirs, chapter_.path
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
