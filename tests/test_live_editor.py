"""The live cells' code editor and what a run shows (bookbuild/live/
editor.mjs, numbers.js, live.js; CodeMirror vendored by setup/vendor.py):
Python highlighted in the book's palette, light and dark; brackets matched;
indentation; Shift+Enter; the plain textarea kept as a fallback, chosen or
when CodeMirror cannot load; output that wraps on a phone; and the note on
numbers that differ from the book's only in their last digits. In real
Chromium, over a local server.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re

import pytest
from test_live import cell_index, code_of, switch_on, type_code

from conftest import ROOT, open_page


def load_vendor():
    """setup/vendor.py (setup/ holds scripts, not a package)."""
    spec = importlib.util.spec_from_file_location("book_vendor", ROOT / "setup" / "vendor.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


vendor = load_vendor()

PAGE = "book/02-value.html"
PALETTE = json.loads((ROOT / "micrograd" / "figures" / "palette.json").read_text("utf-8"))


def palette(theme: str, role: str) -> str:
    """A role's colour as the browser computes it: rgb(r, g, b)."""
    colour = PALETTE[theme][role]
    colour = PALETTE["okabe_ito"].get(colour, colour).lstrip("#")
    r, g, b = (int(colour[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgb({r}, {g}, {b})"


def cell_of(page, start: str):
    return page.locator("div.cell").nth(cell_index(page, start))


# -- vendoring ----------------------------------------------------------------------


def test_vendoring_points_the_editors_imports_at_the_pinned_files():
    source = "import { a } from '@lezer/common';\nexport { b } from \"@codemirror/state\";\n"
    assert vendor.relink(source, "x") == (
        "import { a } from './lezer-common.js';\nexport { b } from \"./codemirror-state.js\";\n"
    )
    with pytest.raises(vendor.VendorError, match="left-pad, which EDITOR_MODULES does not pin"):
        vendor.relink("import pad from 'left-pad';\n", "x")


def test_pythons_memory_snapshot_is_the_same_wherever_it_is_made(tmp_path, monkeypatch):
    """The snapshot the site ships (vendor.vendor_snapshot, with Node) is
    made again elsewhere: the script in another folder (as in another
    clone), Pyodide's files in another with other file times, at another
    time; the same bytes. (That it loads and runs in the browser:
    test_live_status.py.)"""
    script = tmp_path / "another" / "clone" / "setup" / vendor.SNAPSHOT_SCRIPT.name
    script.parent.mkdir(parents=True)
    script.write_bytes(vendor.SNAPSHOT_SCRIPT.read_bytes())
    monkeypatch.setattr(vendor, "SNAPSHOT_SCRIPT", script)
    vendored = ROOT / ".vendor" / "pyodide"
    shipped = vendored / vendor.SNAPSHOT
    if not shipped.exists():
        pytest.fail(f"{shipped} is missing: run `make vendor`")
    (tmp_path / "pyodide").mkdir()
    for source in vendored.iterdir():
        if source.name != vendor.SNAPSHOT:
            copy = tmp_path / "pyodide" / source.name
            copy.write_bytes(source.read_bytes())
            os.utime(copy, (source.stat().st_mtime + 86_400,) * 2)
    stamp: dict = {}
    vendor.vendor_snapshot(tmp_path, stamp)
    assert (tmp_path / "pyodide" / vendor.SNAPSHOT).read_bytes() == shipped.read_bytes()
    assert stamp["pyodide-snapshot"][0] == vendor.VENDORED["pyodide"][0]


def test_the_site_ships_each_editor_module_with_its_licence(built_site):
    folder = built_site / "_static" / "live" / "codemirror"
    for package in vendor.EDITOR_MODULES:
        module = folder / vendor.module_file(package)
        assert module.exists(), module
        assert "MIT" in module.with_suffix(".LICENSE").read_text("utf-8"), package
        # Every import is a file beside it: nothing for the browser to resolve.
        for specifier in re.findall(
            r"^(?:import|export)\b[^'\"]*?from\s*['\"]([^'\"]+)", module.read_text("utf-8"), re.M
        ):
            assert specifier.startswith("./") and (folder / specifier[2:]).exists(), specifier


# -- the editor ---------------------------------------------------------------------


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_python_is_highlighted_in_the_books_palette(browser, server, theme):
    page, errors, outside = open_page(browser, f"{server}{PAGE}", server, theme)
    switch_on(page)
    cell = cell_of(page, "class Value")
    editor = cell.locator('[data-live="editor"]')
    assert editor.evaluate("n => n.classList.contains('cm-content')")

    def colour(selector: str, text: str) -> str:
        token = editor.locator(selector, has_text=text).first
        return token.evaluate("n => getComputedStyle(n).color")

    assert colour(".tok-keyword", "class") == palette(theme, "pos")
    assert colour(".tok-definition, .tok-className", "Value") == palette(
        theme, "fg" if theme == "light" else "current"
    )
    assert colour(".tok-string", "A number") == palette(
        theme, "muted" if theme == "light" else "active"
    )
    type_code(cell_of(page, "a = 2.0").locator('[data-live="editor"]'), "x = 2.5  # two and a half")
    first = cell_of(page, "a = 2.0").locator('[data-live="editor"]')
    assert first.locator(".tok-number").first.evaluate("n => getComputedStyle(n).color") == palette(
        theme, "pos" if theme == "light" else "neg"
    )
    assert first.locator(".tok-comment").first.evaluate(
        "n => getComputedStyle(n).color"
    ) == palette(theme, "muted")
    assert errors == [] and outside == [], (errors, outside)
    page.close()


def test_brackets_match_and_indentation_follows_python(browser, server):
    page, errors, outside = open_page(browser, f"{server}{PAGE}", server)
    switch_on(page)
    cell = cell_of(page, "a = 2.0")
    editor = cell.locator('[data-live="editor"]')
    type_code(editor, "")
    # Enter after a colon indents; return ends the block; Tab and Shift+Tab.
    editor.press_sequentially("def f(x):")
    editor.press("Enter")
    editor.press_sequentially("return (x + 1)")
    editor.press("Enter")
    editor.press_sequentially("f(2)")
    assert code_of(editor) == "def f(x):\n    return (x + 1)\nf(2)"
    # The cursor just after a bracket marks it and its partner.
    assert editor.locator(".cm-matchingBracket").count() == 2
    editor.press("Tab")
    assert code_of(editor).endswith("\nf(2)    ")
    # Shift+Enter runs the cell and stays in it.
    editor.press("Shift+Enter")
    cell.locator('[data-live="output"]').get_by_text("3").wait_for()
    assert code_of(editor).endswith("f(2)    ")
    assert errors == [] and outside == [], (errors, outside)
    page.close()


def test_the_plain_textarea_can_be_chosen_and_keeps_the_code(browser, server):
    page, errors, outside = open_page(browser, f"{server}{PAGE}", server)
    switch_on(page)
    cell = cell_of(page, "a = 2.0")
    type_code(cell.locator('[data-live="editor"]'), "a = 3.0\na * 2")
    switch = page.locator('[data-live="plain-editor"]')
    assert switch.get_attribute("aria-pressed") == "false"
    switch.click()
    assert switch.get_attribute("aria-pressed") == "true"
    editor = cell.locator('[data-live="editor"]')
    assert editor.evaluate("n => n.tagName") == "TEXTAREA"
    assert editor.input_value() == "a = 3.0\na * 2"
    assert page.locator(".cm-editor").count() == 0
    editor.press("Shift+Enter")
    cell.locator('[data-live="output"]').get_by_text("6.0").wait_for()
    # The choice is remembered.
    page.reload()
    switch_on(page)
    assert page.evaluate("bookLive.editorMode") == "plain"
    assert (
        cell_of(page, "a = 2.0").locator('[data-live="editor"]').evaluate("n => n.tagName")
        == "TEXTAREA"
    )
    assert errors == [] and outside == [], (errors, outside)
    page.close()


def test_without_codemirror_the_textarea_works_and_the_page_says_so(browser, server):
    page, errors, outside = open_page(browser, f"{server}{PAGE}", server)
    page.route("**/_static/live/editor.mjs", lambda route: route.abort())
    switch_on(page)
    assert page.evaluate("bookLive.editorMode") == "plain"
    note = page.locator('[data-live="edits-note"]').inner_text()
    assert "code editor could not be loaded" in note and "plain text editor works" in note
    cell = cell_of(page, "a = 2.0")
    editor = cell.locator('[data-live="editor"]')
    type_code(editor, "7 * 6")
    editor.press("Shift+Enter")
    cell.locator('[data-live="output"]').get_by_text("42").wait_for()
    # The only errors are the module that failed to load, on purpose.
    assert all("editor.mjs" in e or "Failed to load" in e for e in errors), errors
    assert outside == [], outside
    page.close()


# -- what a run shows ------------------------------------------------------------


def test_a_long_traceback_wraps_on_a_phone(browser, server):
    page, errors, outside = open_page(browser, f"{server}{PAGE}", server)
    page.set_viewport_size({"width": 390, "height": 844})
    switch_on(page)
    cell = cell_of(page, "a = 2.0")
    editor = cell.locator('[data-live="editor"]')
    type_code(editor, "raise ValueError('the error line, long: ' + 'x' * 200 + ' END')")
    editor.press("Shift+Enter")
    output = cell.locator('[data-live="output"]')
    output.get_by_text("ValueError").first.wait_for()
    pre = output.locator("pre").first
    assert pre.evaluate("n => n.scrollWidth <= n.clientWidth"), "the traceback scrolls sideways"
    end = pre.evaluate(
        "n => { const r = document.createRange(); const t = n.textContent;"
        " const at = t.indexOf(' END'); r.setStart(n.firstChild, at);"
        " r.setEnd(n.firstChild, at + 4); return r.getBoundingClientRect().right; }"
    )
    assert end <= 390, end
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert errors == [] and outside == [], (errors, outside)
    page.close()


def test_numbers_that_differ_only_in_the_last_digits_are_explained_once(browser, server):
    page, errors, outside = open_page(browser, f"{server}{PAGE}", server)
    switch_on(page)
    index = cell_index(page, "a = 2.0")  # the book printed 4.0
    cell = page.locator("div.cell").nth(index)
    editor = cell.locator('[data-live="editor"]')
    note = page.locator('[data-live="numbers-note"]')

    def run(code: str) -> None:
        type_code(editor, code)
        assert page.evaluate(f"bookLive.cells[{index}].run()")

    run("4.01")  # differs by more than rounding: no note
    assert note.count() == 0
    run("4.000000000000001")  # the next float after 4.0
    assert note.count() == 1
    assert "only in the last digits" in note.inner_text()
    assert cell.locator('[data-live="numbers-note"]').count() == 1  # near that output
    run("4.000000000000002")
    assert note.count() == 1  # once per page
    compare = "([a, b]) => bookLiveNumbers.compare(a, b)"
    assert page.evaluate(compare, ["0.8813735870195432", "0.8813735870195429"]) == "last-digits"
    assert page.evaluate(compare, ["Value(data=4.0)", "Value(data=4.0)"]) == "same"
    assert page.evaluate(compare, ["1.0", "1"]) == "different"  # an int is exact
    assert page.evaluate(compare, ["loss 0.5 step 3", "loss 0.5 step 4"]) == "different"
    assert errors == [] and outside == [], (errors, outside)
    page.close()
