"""The Sphinx extension's bookkeeping: which chapters must run again."""

from __future__ import annotations

from types import SimpleNamespace

from tangle.sphinx_ext import _chapter_inputs

from test_tangle import ADD, INIT_CELL, VALUE, cell, chapter, make_book


def inputs(root):
    app = SimpleNamespace(srcdir=str(root), _tangle_result=None)
    from tangle.book import Book
    from tangle.tangler import tangle_book

    app._tangle_book = Book.load(root)
    app._tangle_result = tangle_book(app._tangle_book)
    return _chapter_inputs(app)


def test_a_chapter_reruns_when_the_package_before_it_changes(tmp_path):
    make_book(tmp_path, {
        "01-a": chapter("01-a", "A", INIT_CELL, cell(VALUE, tangle="micrograd/engine.py")),
        "02-b": chapter("02-b", "B", cell(ADD, tangle="micrograd/engine.py")),
        "03-c": chapter("03-c", "C", "\nProse only.\n", setup=False),
    })
    before = inputs(tmp_path)
    # Change the code of chapter 1: chapters 2 and 3 run against it.
    path = tmp_path / "book/01-a.md"
    path.write_text(path.read_text().replace("self.data = data", "self.data = data  # !"))
    after = inputs(tmp_path)
    assert after["book/01-a"] == before["book/01-a"]  # Sphinx sees its own edit
    assert after["book/02-b"] != before["book/02-b"]
    assert after["book/03-c"] != before["book/03-c"]


def test_later_chapters_do_not_make_earlier_ones_rerun(tmp_path):
    make_book(tmp_path, {
        "01-a": chapter("01-a", "A", INIT_CELL, cell(VALUE, tangle="micrograd/engine.py")),
        "02-b": chapter("02-b", "B", cell(ADD, tangle="micrograd/engine.py")),
    })
    before = inputs(tmp_path)
    path = tmp_path / "book/02-b.md"
    path.write_text(path.read_text().replace("other.data)", "other.data)  # !"))
    after = inputs(tmp_path)
    assert after["book/01-a"] == before["book/01-a"]


def test_a_caption_change_reruns_the_chapter_that_shows_it(tmp_path):
    mul = ADD.replace("__add__", "__mul__").replace("+", "*")
    make_book(tmp_path, {
        "01-a": chapter("01-a", "A", INIT_CELL, cell(VALUE, tangle="micrograd/engine.py"),
                        cell(ADD, tangle="micrograd/engine.py")),
        "02-b": chapter("02-b", "B", cell(mul, tangle="micrograd/engine.py")),
    })
    before = inputs(tmp_path)
    # Chapter 1 removes __add__: chapter 2's __mul__ now lands "after __repr__".
    path = tmp_path / "book/01-a.md"
    text = path.read_text()
    path.write_text(text[:text.rindex("```{code-cell}")])
    assert inputs(tmp_path)["book/02-b"] != before["book/02-b"]
