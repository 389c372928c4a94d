"""A live page says what is happening (bookbuild/live/status.js and live.js,
book_live/runner.py, bookbuild/cell_names.py): a running cell is busy and
shows it, with the seconds; a cell that ran shows its execution count, the
name tracebacks give it; loading says its stages; the old output stays
until the new one replaces it; Stop's advice never runs the stopped cell
again; a crash of Python itself is said in words and a fresh Python runs
the next cell; a cell whose names come from cells above that have not run
runs those first.

The quick tests check the names analysis and the runner natively; the
browser tests drive real Chromium over the built site.
"""

from __future__ import annotations

import ast
import json
import re

from test_live import book_cells, run_python, switch_on, type_code

from bookbuild.browser import SNAPSHOT_KEPT
from bookbuild.cell_names import attached, attributes, cell_names
from conftest import open_page, same_text, text_outputs

# -- natively: which names a cell defines and reads ------------------------------------


def test_a_cell_reads_what_it_uses_before_defining_it_and_what_its_functions_use():
    code = (
        "x = 1\n"
        "print(x, y)\n"  # x is its own by now; y comes from outside
        "show(lambda: check(x))\n"  # a lambda is there to be called
        "def f(a):\n    return a + z + g()\n"  # z from outside; g is the cell's
        "def g():\n    return 2\n"
        "try:\n    f(1)\nexcept ValueError as e:\n    print(e)\n"
        "with open('p') as handle:\n    handle.read()\n"
        "for k in range(3):\n    print(k)\n"
    )
    defined, needed = cell_names(ast.parse(code))
    assert defined == {"x", "f", "g", "e", "handle", "k"}
    assert needed == {"print", "y", "show", "check", "z", "ValueError", "open", "range"}
    # After a star import, nothing can be said about what follows.
    assert cell_names(ast.parse("w\nfrom m import *\nv"))[1] == {"w"}


def test_methods_added_to_a_class_are_read_as_attributes():
    code = "@add_to_class(Value)\ndef cube(self):\n    return self * self * self\n"
    assert attached(ast.parse(code)) == {"cube"}
    assert attached(ast.parse("def cube(x):\n    return x\n")) == set()
    assert attributes(ast.parse("y = x.cube() + x.data\nx.grad = 0")) == {"cube", "data"}


def test_the_runner_says_what_a_cell_needs_that_python_does_not_have(tmp_path):
    out = run_python(
        """
        assert runner.run_cell('[1]', 'class Value:\\n    data = 0\\nb = 2')
        said = [json.loads(runner.missing_names(code)) for code in (
            'print(a + b, len(c))',
            'Value().cube() + Value().data',
            'if True print(1)',
        )]
        real.write(json.dumps(said))
        """,
        tmp_path,
    )
    assert json.loads(out) == [
        {"names": ["a", "c"], "attributes": []},
        {"names": [], "attributes": ["cube"]},
        {"names": [], "attributes": []},
    ]


def test_a_runaway_recursions_traceback_is_cut_and_says_so(tmp_path):
    """A million frames would take the browser minutes to format."""
    out = run_python(
        """
        import sys
        sys.setrecursionlimit(5000)
        assert not runner.run_cell('[4]', 'def f(n):\\n    return f(n + 1)\\nf(0)')
        real.write(json.dumps(sent))
        """,
        tmp_path,
    )
    traceback = json.loads(out)[-1]["traceback"]
    assert 'File "<cell [4]>", line 3, in <module>' in traceback
    assert "the traceback shows the first 100)" in traceback and len(traceback) < 2000
    assert traceback.rstrip().endswith("RecursionError: maximum recursion depth exceeded")


# -- in the browser ------------------------------------------------------------------------

# Quiet for 3 s, then three lines 0.8 s apart: long enough that a loaded
# machine still finds it quiet at the first look, 1.2 s in.
SLOW_CELL = (
    "import time\ntime.sleep(3)\nfor i in range(3):\n    print('step', i)\n    time.sleep(0.8)\n"
)


def test_a_running_cell_is_busy_says_so_and_then_shows_its_count(browser, server):
    page, errors, outside = open_page(browser, f"{server}book/02-value.html", server)
    switch_on(page)
    cell = page.locator("div.cell").nth(0)
    count = cell.locator('[data-live="count"]')
    output = cell.locator('[data-live="output"]')
    book_output = cell.locator(".cell_output:not(.live-output)")
    assert count.inner_text() == "[ ]"
    type_code(cell.locator('[data-live="editor"]'), SLOW_CELL)
    cell.locator('[data-live="run"]').click()
    page.wait_for_timeout(1200)
    # Running: busy, marked, with the seconds; the book's output still
    # there, dimmed, until the first line of the new one.
    assert cell.get_attribute("aria-busy") == "true"
    assert count.inner_text() == "[*]"
    assert re.fullmatch(r"running\.\.\. [12] s", cell.locator('[data-live="state"]').inner_text())
    assert book_output.is_visible() and "live-stale" in book_output.get_attribute("class")
    # What it prints comes as it prints it.
    output.get_by_text("step 0").wait_for()
    assert book_output.is_hidden()
    assert "step 2" not in output.inner_text() and cell.get_attribute("aria-busy") == "true"
    page.wait_for_function("!bookLive.channel.busy")
    assert cell.get_attribute("aria-busy") is None
    assert count.inner_text() == "[1]"
    assert cell.locator('[data-live="state"]').inner_text() == ""
    # Run again: the last output stays, dimmed, until the new one comes.
    cell.locator('[data-live="run"]').click()
    page.wait_for_timeout(500)
    assert "step 2" in output.inner_text() and "live-stale" in output.get_attribute("class")
    page.wait_for_function("!bookLive.channel.busy")
    assert count.inner_text() == "[2]" and "live-stale" not in output.get_attribute("class")
    # Counts go on from cell to cell, and a traceback names a cell by its count.
    second = page.locator("div.cell").nth(1)
    type_code(second.locator('[data-live="editor"]'), "def fail():\n    return 1 / 0\n")
    assert page.evaluate("bookLive.cells[1].run()")
    type_code(cell.locator('[data-live="editor"]'), "fail()")
    assert not page.evaluate("bookLive.cells[0].run()")
    assert second.locator('[data-live="count"]').inner_text() == "[3]"
    assert count.inner_text() == "[4]"
    traceback = output.inner_text()
    assert 'File "<cell [4]>", line 1' in traceback and 'File "<cell [3]>", line 2' in traceback
    assert errors == [] and outside == [], (errors, outside)
    page.close()


def test_starting_says_its_stages(browser, server):
    page, errors, outside = open_page(browser, f"{server}book/03-backprop-by-hand.html", server)
    page.evaluate(
        """() => {
        window.said = [];
        new MutationObserver(() => {
          const banner = document.querySelector('[data-live="status"]');
          const text = banner && banner.textContent;
          if (text && window.said[window.said.length - 1] !== text) window.said.push(text);
        }).observe(document.body, {subtree: true, childList: true, characterData: true});
        }"""
    )
    switch_on(page)
    said = page.evaluate("window.said")
    stages = ["Downloading", "Starting Python", "Unpacking", "Setting up", "Python runs"]
    firsts = [next((i for i, text in enumerate(said) if stage in text), -1) for stage in stages]
    assert -1 not in firsts and firsts == sorted(firsts), said
    megabytes = [re.search(r"([\d.]+) of ([\d.]+) MB", text) for text in said]
    counted = [(float(m[1]), float(m[2])) for m in megabytes if m]
    assert counted and counted[-1][0] == counted[-1][1] > 5, said
    assert page.locator('[data-live="status"]').get_attribute("aria-busy") is None
    assert errors == [] and outside == [], (errors, outside)
    page.close()


def test_after_stop_the_advice_does_not_run_the_stopped_cell_again(browser, server):
    page, errors, outside = open_page(browser, f"{server}book/02-value.html", server)
    switch_on(page)
    looping = page.locator("div.cell").nth(2)
    type_code(looping.locator('[data-live="editor"]'), "while True: pass")
    looping.locator('[data-live="run"]').click()
    page.wait_for_function("bookLive.runningView === bookLive.cells[2]")
    looping.locator('[data-live="stop"]').click()
    status = page.locator('[data-live="status"]')
    assert "Stopped cell [1]" in status.inner_text()
    page.wait_for_function("bookLive.restarts === 1 && bookLive.channel")
    page.get_by_text("The fresh Python is ready").wait_for()
    # The advice: run the cells above it; the loop does not run again.
    status.locator('[data-live="run-above-stopped"]').click()
    page.wait_for_function(
        "bookLive.cells[1].ran && !bookLive.channel.busy && !bookLive.cells[2].running"
    )
    assert [page.evaluate(f"bookLive.cells[{i}].ran") for i in range(3)] == [2, 3, 1]
    assert looping.locator('[data-live="state"]').inner_text() == "stopped"
    # Nor does "Run all above" on a cell below it.
    assert page.evaluate("bookLive.cells[4].runAbove()")
    assert page.evaluate("bookLive.cells[2].ran") == 1
    assert not page.evaluate("bookLive.channel.busy")
    assert errors == [] and outside == [], (errors, outside)
    page.close()


CRASH = "import sys\nsys.setrecursionlimit(10**6)\n\ndef deeper(n):\n    return deeper(n + 1)\n\ndeeper(0)\n"
# What the browser's console says when Pyodide itself dies: expected here.
PYODIDE_DIED = ("Pyodide has suffered a fatal error", "The cause of the fatal error", "RangeError")


def test_when_python_crashes_the_page_says_so_and_a_fresh_python_runs_on(browser, server):
    page, errors, outside = open_page(browser, f"{server}book/02-value.html", server)
    switch_on(page)
    cell = page.locator("div.cell").nth(0)
    type_code(cell.locator('[data-live="editor"]'), CRASH)
    assert not page.evaluate("bookLive.cells[0].run()")
    status = page.locator('[data-live="status"]').inner_text()
    assert "Python crashed while running cell [1]" in status, status
    assert "stack overflowed" in status and "fresh Python" in status
    assert "Python crashed while running this" in cell.locator('[data-live="output"]').inner_text()
    page.wait_for_function("bookLive.restarts === 1 && bookLive.channel")
    # The next Run works, in the fresh Python.
    page.once("dialog", lambda dialog: dialog.accept())  # Reset asks first
    cell.locator('[data-live="reset"]').click()
    assert page.evaluate("bookLive.cells[0].run()")
    assert cell.locator('[data-live="output"]').inner_text().strip() == "4.0"
    unexpected = [e for e in errors if not any(words in e for words in PYODIDE_DIED)]
    assert unexpected == [] and outside == [], (unexpected, outside)
    page.close()


def test_a_cell_first_runs_the_cells_above_that_define_its_names(browser, server):
    """Chapter 8: `show_error` is defined in a folded cell, `check_gradient`
    and `cube` in cells far above; running the cell that uses them, first
    of all, gives the book's output."""
    stem = "08-gradient-check"
    page, errors, outside = open_page(browser, f"{server}book/{stem}.html", server)
    switch_on(page)
    start = "show_error(lambda: check_gradient(lambda x: x.cube()"
    index = page.evaluate(
        "(s) => bookLive.cells.findIndex(c => c.entry.source.startsWith(s))", start
    )
    assert index > 0
    assert page.evaluate(f"bookLive.cells[{index}].run()")
    cell = page.locator("div.cell").nth(index)
    note = cell.locator('[data-live="needs"]').inner_text()
    for name in ("show_error", "check_gradient", "cube"):
        assert name in note, note
    (expected,) = text_outputs(book_cells(stem)[index])
    assert same_text(expected, cell.locator('[data-live="output"]').inner_text())
    ran = page.evaluate("bookLive.cells.filter(c => c.ran).length")
    assert 3 <= ran < index  # what it needed, not every cell above
    assert errors == [] and outside == [], (errors, outside)
    page.close()


def test_python_starts_from_the_sites_snapshot_and_everything_runs(browser, server):
    """The first start, with nothing cached, loads Python from the memory
    snapshot the site ships (setup/pyodide_snapshot.mjs) and keeps it
    unpacked in the Cache API; the next starts from that copy. Everything
    runs from either: output, errors, a graph drawn by Graphviz; and
    `random` is not the snapshot's: two starts draw different numbers."""
    page, errors, outside = open_page(browser, f"{server}book/02-value.html", server)
    switch_on(page)
    assert page.evaluate("bookLive.startedFrom") == "snapshot"
    cell = page.locator("div.cell").nth(0)
    assert page.evaluate("bookLive.cells[0].run()")
    assert cell.locator('[data-live="output"]').inner_text().strip() == "4.0"
    type_code(cell.locator('[data-live="editor"]'), "import random; print(random.random())")
    assert page.evaluate("bookLive.cells[0].run()")
    first = cell.locator('[data-live="output"]').inner_text().strip()
    type_code(cell.locator('[data-live="editor"]'), "d / 0")
    assert not page.evaluate("bookLive.cells[0].run()")
    assert "ZeroDivisionError" in cell.locator('[data-live="output"]').inner_text()
    page.once("dialog", lambda dialog: dialog.accept())  # Reset asks first
    cell.locator('[data-live="reset"]').click()
    graph = page.evaluate("bookLive.cells.findIndex(c => c.entry.source.startsWith('draw_dot(L)'))")
    assert page.evaluate(f"bookLive.cells[{graph}].runAbove()")
    assert page.evaluate(f"bookLive.cells[{graph}].run()")
    nodes = page.locator("div.cell").nth(graph).locator('[data-live="output"] svg g.node')
    nodes.first.wait_for()
    # Another start (a reload): the kept copy, and another random number.
    page.wait_for_function(SNAPSHOT_KEPT, polling=200)
    page.evaluate("localStorage.clear()")  # the book's code, not the edit above
    page.reload()
    page.wait_for_load_state("networkidle")
    switch_on(page)
    assert page.evaluate("bookLive.startedFrom") == "kept"
    cell = page.locator("div.cell").nth(0)
    type_code(cell.locator('[data-live="editor"]'), "import random; print(random.random())")
    assert page.evaluate("bookLive.cells[0].run()")
    second = cell.locator('[data-live="output"]').inner_text().strip()
    assert 0 <= float(first) < 1 and 0 <= float(second) < 1 and first != second, (first, second)
    assert errors == [] and outside == [], (errors, outside)
    page.close()
