"""The reader's work stays on a live page (bookbuild/live/edits.js, and
live.js's cells): edits saved per cell in the browser, keyed on the book's
code of the cell; a cell whose book code changed since says so; Reset and
Reset page ask before they lose an edit; the page downloads as a notebook
with the edits in it; a storage that refuses is said, never a crash. In
real Chromium, over a local server (a new browser context per page, so
each test starts with empty storage).
"""

from __future__ import annotations

import json

import nbformat
import pytest
from test_live import cell_index, code_of, switch_on, type_code

from conftest import open_page

PAGE = "book/02-value.html"
KEY = "micrograd-book/edits/02-value"
FIRST = "a = 2.0"  # the chapter's first shown cell: d = a * b + c, 4.0


@pytest.fixture
def page(browser, server):
    page, errors, outside = open_page(browser, f"{server}{PAGE}", server)
    yield page
    assert errors == [] and outside == [], (errors, outside)
    page.close()


def editor_of(page, start: str):
    index = cell_index(page, start)
    return page.locator("div.cell").nth(index).locator('[data-live="editor"]'), index


def stored(page) -> dict:
    return json.loads(page.evaluate(f"localStorage.getItem('{KEY}') || '{{}}'"))


def test_edits_survive_live_mode_off_and_on_and_a_reload(page):
    switch_on(page)
    editor, index = editor_of(page, FIRST)
    edited = code_of(editor).replace("a = 2.0", "a = 3.0")
    type_code(editor, edited)
    # Off: the book's page again, its code as printed; on: the edit is back.
    page.click('[data-live="toggle"]')
    assert page.locator('[data-live="editor"]').count() == 0
    assert "a = 2.0" in page.locator("div.cell").nth(index).inner_text()
    assert "Your edits to one cell are kept in this browser" in (
        page.locator('[data-live="status"]').inner_text()
    )
    page.click('[data-live="toggle"]')
    page.wait_for_function("['code', 'plain'].includes(bookLive.editorMode)")
    editor, _ = editor_of(page, FIRST)
    assert code_of(editor) == edited
    page.reload()
    switch_on(page)
    editor, _ = editor_of(page, FIRST)
    assert code_of(editor) == edited
    # It runs as edited: -9 + 10.
    assert page.evaluate(f"bookLive.cells[{index}].run()")
    assert page.locator("div.cell").nth(index).locator('[data-live="output"]').inner_text() == "1.0"
    # Only the edited cell is stored; the book's code is not.
    assert [record["place"] for record in stored(page)["cells"].values()] == [
        page.evaluate(f"bookLive.cells[{index}].entry.cell")
    ]


def test_a_cell_whose_book_code_changed_since_the_edit_says_so(page):
    # An edit saved for this cell's place when the book's code was another.
    index = page.evaluate(
        "fetch(document.querySelector('[data-live=toggle]').dataset.liveManifest)"
        ".then(r => r.json()).then(m => m.cells.find(c => c.source.startsWith('a = 2.0')).cell)"
    )
    old = {"version": 1, "cells": {"0123456789abcdef": {"place": index, "code": "a = 5.0\nd"}}}
    page.evaluate(f"localStorage.setItem('{KEY}', {json.dumps(json.dumps(old))})")
    switch_on(page)
    editor, position = editor_of(page, FIRST)
    cell = page.locator("div.cell").nth(position)
    assert code_of(editor) == "a = 5.0\nd"
    note = cell.locator('[data-live="changed"]')
    assert "changed since you edited it" in note.inner_text()
    assert page.locator('[data-live="changed"]').count() == 1
    # The book's version, after a confirm that says what will be lost.
    messages = []
    page.once("dialog", lambda dialog: (messages.append(dialog.message), dialog.accept()))
    note.locator('[data-live="use-book"]').click()
    assert "will be lost" in messages[0]
    assert code_of(editor).startswith("a = 2.0")
    assert note.count() == 0
    assert stored(page) == {}


def test_reset_and_reset_page_ask_before_they_lose_edits(page):
    switch_on(page)
    first, one = editor_of(page, FIRST)
    second, _ = editor_of(page, "class Value")
    book = [code_of(first), code_of(second)]
    type_code(first, "a = 1")
    type_code(second, "b = 2")
    messages = []

    def answer(yes: bool):
        page.once(
            "dialog", lambda d: (messages.append(d.message), d.accept() if yes else d.dismiss())
        )

    reset = page.locator("div.cell").nth(one).locator('[data-live="reset"]')
    answer(False)
    reset.click()
    assert code_of(first) == "a = 1"  # asked, and kept
    assert "cell" in messages[-1] and "will be lost" in messages[-1]
    answer(True)
    reset.click()
    assert code_of(first) == book[0]
    # Reset page: every edited cell, after saying how many.
    type_code(first, "a = 1")
    answer(False)
    page.click('[data-live="reset-page"]')
    assert [code_of(first), code_of(second)] == ["a = 1", "b = 2"]
    assert "2 cells" in messages[-1] and "will be lost" in messages[-1]
    answer(True)
    page.click('[data-live="reset-page"]')
    assert [code_of(first), code_of(second)] == book
    assert stored(page) == {}
    # Nothing edited: nothing to ask.
    page.click('[data-live="reset-page"]')
    assert "No cell of this page is edited" in page.locator('[data-live="edits-note"]').inner_text()
    assert len(messages) == 4


def test_the_page_downloads_as_a_valid_notebook_with_the_edits(page, built_site):
    switch_on(page)
    editor, index = editor_of(page, FIRST)
    edited = code_of(editor).replace("a = 2.0", "a = 3.0")
    type_code(editor, edited)
    answer = page.locator('[data-live-exercise] [data-live="editor"]').first
    type_code(answer, "def central_slope(fn, x, h):\n    return 0.0\n")
    with page.expect_download() as download:
        page.click('[data-live="download"]')
    path = download.value.path()
    assert download.value.suggested_filename == "02-value-edited.ipynb"
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    book = nbformat.read(built_site / "notebooks" / "02-value.ipynb", as_version=4)
    place = page.evaluate(f"bookLive.cells[{index}].entry.cell")
    cells = {cell.id: cell for cell in notebook.cells}
    assert cells[f"code-{place}"].source == edited
    assert cells[f"code-{place}"].outputs == []  # the book's were for the book's code
    # Every other cell is the book's, in order; the answer comes at the end.
    assert [c.id for c in notebook.cells[: len(book.cells)]] == [c.id for c in book.cells]
    for ours, theirs in zip(notebook.cells, book.cells, strict=False):
        if ours.id != f"code-{place}":
            assert ours == theirs
    assert notebook.cells[-1].source.startswith("def central_slope")
    assert "Downloaded 02-value-edited.ipynb, with your edits to 2 cells" in (
        page.locator('[data-live="edits-note"]').inner_text()
    )


def test_a_storage_that_refuses_is_said_and_the_page_works(browser, server):
    page, errors, outside = open_page(browser, f"{server}{PAGE}", server)
    # Storage switched off: reading and writing both throw, as in some
    # private windows (a full one throws on writing only).
    page.evaluate(
        "() => { Storage.prototype.getItem = Storage.prototype.setItem = function () {"
        " throw new DOMException('no storage', 'SecurityError'); }; }"
    )
    switch_on(page)
    editor, index = editor_of(page, FIRST)
    type_code(editor, "a = 3.0\nb = 1.0\na * b")
    note = page.locator('[data-live="edits-note"]')
    assert "does not let this page save your edits" in note.inner_text()
    editor.press("Shift+Enter")
    output = page.locator("div.cell").nth(index).locator('[data-live="output"]')
    output.get_by_text("3.0").wait_for()
    assert errors == [] and outside == [], (errors, outside)
    page.close()
