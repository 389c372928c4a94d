"""Live pages (bookbuild/live.py, bookbuild/live/): every chapter's code runs
in the reader's browser, in real Chromium over a local server with every
other request blocked, and gives the book's outputs.

The slow tests switch a page's live mode on and run its cells in order,
as a reader clicking Run on each would; the quick ones check the build's
verdicts (which cells need Jupyter) and the live pages' Python (book_live,
as the site ships it) on small cases.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat
import pytest

from bookbuild.live import browser_cells, missing_runtime, python_side
from conftest import (
    BUILD,
    CODE_CHAPTERS,
    EXECUTED,
    VARYING,
    axe_violations,
    open_page,
    same_text,
    text_outputs,
)

LIVE = Path("_static") / "live"
START_TIMEOUT = 60_000  # ms; Pyodide starts in 3 to 6 s on the test machine

# Chapters whose cells run in the browser (the moons chapter trains networks
# there for a minute or two).
LIVE_CHAPTERS = CODE_CHAPTERS


# The browser's Python (Pyodide 314.0.7: CPython 3.14) words a few errors
# differently from the Python that built the book; the chapters print them
# (show_error). Each is compared in the browser's words. (Whitespace: the
# chapters wrap long messages.)
OTHER_WORDS = [
    (
        r"maximum\s+recursion\s+depth\s+exceeded\s+while\s+calling\s+a\s+Python\s+object",
        "maximum recursion depth exceeded",
    ),
    (r"0\.0\s+cannot\s+be\s+raised\s+to\s+a\s+negative\s+power", "zero to a negative power"),
    (r"float\s+division\s+by\s+zero", "division by zero"),
]


# Outputs that differ in the browser by nature, besides the measurements of
# time and memory that differ from run to run anyway (VARYING, shared with
# the notebook tests): sizes in bytes. Pyodide is 32-bit WebAssembly, where
# a pointer takes 4 bytes, not 8, so every object is smaller there.
IN_BROWSER_VARYING = {
    "12-why-slow": re.compile(r"getsizeof|parts_of\("),
    # The formats a figure gives: the page has no PDF still (no matplotlib).
    "90-how-pictures-are-made": re.compile(r"display_formatter"),
}


def in_browser_words(text: str) -> str:
    for pattern, words in OTHER_WORDS:
        text = re.sub(pattern, words, text)
    return text


def manifest(site: Path, stem: str) -> dict:
    path = site / LIVE / f"{stem}.json"
    if not path.exists():
        pytest.fail(f"no live manifest {path}: run `make book`")
    return json.loads(path.read_text(encoding="utf-8"))


def switch_on(page) -> None:
    """Live mode on, Python started and the cells' editor settled (the code
    editor, or the plain one if it was chosen or could not load)."""
    page.click('[data-live="toggle"]')
    page.wait_for_function(
        "window.bookLive && window.bookLive.startMs !== null"
        " && ['code', 'plain'].includes(window.bookLive.editorMode)",
        timeout=START_TIMEOUT,
    )


def type_code(editor, code: str) -> None:
    """Put `code` in a cell's editor as a reader would: select all, delete,
    paste. (Playwright's `fill` replaces CodeMirror's lines through the DOM,
    which leaves an empty last line.)"""
    editor.press("ControlOrMeta+a")
    editor.press("Delete")
    if code:
        editor.page.keyboard.insert_text(code)


def code_of(editor) -> str:
    """The code in a cell's editor ([data-live="editor"]: CodeMirror's
    editable element, or the plain textarea), as the cell would run it."""
    return editor.evaluate("node => node.value")


def live_texts(messages: list[dict]) -> list[str]:
    """The text outputs of a live run, as `text_outputs` reads a notebook's:
    a display updated later shows its last form, as in the notebook."""
    outputs = []
    shown = {}
    for message in messages:
        kind = message["type"]
        if kind == "stream":
            outputs.append(
                nbformat.v4.new_output("stream", name=message["name"], text=message["text"])
            )
        elif kind in ("display", "result"):
            output = nbformat.v4.new_output("display_data", data=message["data"])
            outputs.append(output)
            if message.get("display_id"):
                shown.setdefault(message["display_id"], []).append(output)
        elif kind == "update":
            for output in shown.get(message["display_id"], []):
                output.data = message["data"]
        elif kind == "error":
            outputs.append(
                nbformat.v4.new_output(
                    "error", ename=message["ename"], evalue=message["evalue"], traceback=[]
                )
            )
    return text_outputs({"outputs": outputs})


def book_cells(stem: str) -> list:
    """The chapter's shown code cells as the build ran them."""
    path = EXECUTED / "book" / f"{stem}.ipynb"
    if not path.exists():
        pytest.fail(f"{path} is missing: build the book (make html)")
    notebook = nbformat.read(path, as_version=4)
    return [
        cell
        for cell in notebook.cells
        if cell.cell_type == "code" and "remove-cell" not in cell.metadata.get("tags", [])
    ]


# -- the build: what runs where ------------------------------------------------------


def test_every_chapter_but_the_preface_has_a_live_page(built_site, book):
    assert not (built_site / LIVE / f"{book.chapters[0].stem}.json").exists()
    for name in (
        "live.js",
        "worker.mjs",
        "shared.js",
        "book_live.zip",
        "pyodide/pyodide.mjs",
        "pyodide/pyodide.asm.wasm",
        "pyodide/python_stdlib.zip",
        "viz/viz.js",
    ):
        assert (built_site / LIVE / name).exists(), name
    for stem in LIVE_CHAPTERS:
        page = (built_site / "book" / f"{stem}.html").read_text(encoding="utf-8")
        assert page.count('data-live="toggle"') == 1, stem
        assert manifest(built_site, stem)["chapter"] == stem
    assert 'data-live="toggle"' not in (
        built_site / "book" / f"{book.chapters[0].stem}.html"
    ).read_text(encoding="utf-8")
    assert missing_runtime() == []


def test_a_build_without_the_runtime_names_what_is_missing(monkeypatch, tmp_path):
    import bookbuild.live

    monkeypatch.setattr(bookbuild.live, "VENDOR", tmp_path)
    assert "pyodide/pyodide.asm.wasm" in bookbuild.live.missing_runtime()
    assert "viz/viz.js" in bookbuild.live.missing_runtime()


def test_the_page_and_its_manifest_show_the_same_cells(built_site, book):
    from bs4 import BeautifulSoup

    for chapter in book.chapters[1:]:
        entries = manifest(built_site, chapter.stem)["cells"]
        shown = [
            (place, cell)
            for place, cell in enumerate(chapter.cells)
            if "remove-cell" not in cell.tags
        ]
        assert [(e["cell"], e["source"]) for e in entries] == [
            (place, cell.source) for place, cell in shown
        ]
        soup = BeautifulSoup(
            (built_site / f"{chapter.docname}.html").read_text("utf-8"), "html.parser"
        )
        assert len(soup.select(".bd-article div.cell")) == len(entries), chapter.path


def cells_in_jupyter(site: Path) -> dict[str, list[int]]:
    return {
        stem: [e["cell"] for e in manifest(site, stem)["cells"] if e["jupyter"]]
        for stem in LIVE_CHAPTERS
    }


def test_the_docs_list_the_cells_that_run_only_in_jupyter(built_site, root):
    """docs/live-pages.md names, chapter by chapter, the cells the browser
    cannot run, in a line `- NN-slug: N of M cells (...)`: the list is kept
    true."""
    listed = (root / "docs" / "live-pages.md").read_text(encoding="utf-8")
    for stem, places in cells_in_jupyter(built_site).items():
        total = len(manifest(built_site, stem)["cells"])
        if places:
            assert re.search(rf"^- `{stem}`: {len(places)} of {total} cells\b", listed, re.M), stem
        else:
            assert not re.search(rf"^- `{stem}`: ", listed, re.M), stem
    total = sum(len(p) for p in cells_in_jupyter(built_site).values())
    shown = sum(len(manifest(built_site, stem)["cells"]) for stem in LIVE_CHAPTERS)
    assert f"{total} cells in all (of {shown} shown)" in listed


def test_what_the_browser_lacks_is_decided_from_the_code():
    package = {
        "micrograd/__init__.py": b"",
        "micrograd/tensor.py": b"import numpy as np\n",
        "micrograd/figures.py": b"def still():\n    import matplotlib\n",
    }
    verdicts = browser_cells(
        [
            "import math\nimport numpy as np\nfrom micrograd import figures",
            "xs = [x / 4 for x in range(8)]\nnp.array(xs)",  # uses np
            "def draw(ys):\n    np.array(ys)\n\nlen('ab')",  # defines only
            "draw([1, 2])",  # calls it
            "from micrograd.tensor import Tensor\nt = Tensor([1.0])",
            "u = t\nv = 2",  # t needs NumPy
            "v + 1",  # v was marked
            "import torch",  # importing is fine
            "figures.still",  # lazy import
            "for k in [1]:\n    np.array([k])",  # marks k
            "for k in [k]:\n    print(k)",  # reads the old k
            "for k in [2, 3]:\n    print(k)",  # its own k
            "import matplotlib.pyplot as plt\nplt.plot([1, 2], [3, 4])",  # the page plots
            "get_ipython().display_formatter.format(2)",  # and has a shell
        ],
        package,
    )
    assert verdicts == [
        None,
        "NumPy",
        None,
        "NumPy",
        "NumPy",
        "NumPy",
        "NumPy",
        None,
        None,
        "NumPy",
        "NumPy",
        None,
        None,
        None,
    ]


def run_python(script: str, folder: Path) -> str:
    """Runs `script` with the live pages' Python, as the site ships it,
    unpacked in `folder`, and its runner imported as `runner`, collecting
    what it emits into `sent` (a list of dicts)."""
    for name, data in python_side().items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    prelude = textwrap.dedent(f"""\
        import json, sys
        sys.path.insert(0, {str(folder)!r})
        from book_live import runner
        sent = []
        real = sys.stdout
        runner.start(lambda text: sent.append(json.loads(text)))
        """)
    done = subprocess.run(
        [sys.executable, "-I", "-B", "-c", prelude + textwrap.dedent(script)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_runner_runs_a_cell_as_jupyter_does(tmp_path):
    out = run_python(
        """
        assert runner.run_cell('1', 'x = 2\\nprint("hi")\\nx * 21')
        assert runner.run_cell('2', 'x;')  # a final ; shows nothing
        assert not runner.run_cell('[3]', 'def f():\\n    return 1 / 0\\nf()')
        assert runner.run_cell('4', '[x] * 30')
        assert runner.run_cell('5', 'import graphviz\\ng = graphviz.Digraph()\\n'
                                    'g.node("a b", "A\\\\nB", shape="box")\\ng.edge("a b", "c")\\ng')
        assert not runner.run_cell('6', 'import numpy as np\\nnp.zeros(3)')
        assert runner.run_cell('7', 'from IPython.display import display, Pretty\\n'
                                    'h = display(Pretty("a"), display_id=True)\\nh.update(Pretty("b"))')
        assert not runner.run_cell('8', 'if True print(1)')
        real.write(json.dumps(sent))
        """,
        tmp_path,
    )
    sent = json.loads(out)
    assert sent[0] == {"type": "stream", "name": "stdout", "text": "hi"}
    assert sent[2] == {"type": "result", "data": {"text/plain": "42"}}
    error = sent[3]
    assert error["type"] == "error" and error["ename"] == "ZeroDivisionError"
    # The traceback shows the cell's lines, not the runner's.
    assert "<cell [3]>" in error["traceback"] and "return 1 / 0" in error["traceback"]
    assert "runner.py" not in error["traceback"]
    assert sent[4]["data"]["text/plain"] == "[" + ",\n ".join(["2"] * 30) + "]"
    dot = sent[5]["data"]["text/vnd.graphviz"]
    assert '"a b" [label="A\nB" shape=box]' in dot and '"a b" -> c' in dot
    assert "does not run in the browser" in sent[6]["evalue"]
    assert sent[7]["type"] == "display" and sent[8]["type"] == "update"
    assert sent[8]["display_id"] == sent[7]["display_id"]
    assert sent[9]["ename"] == "SyntaxError"


def test_a_check_runs_the_answer_and_the_checks_in_a_state_of_their_own(tmp_path):
    """The Check button sends the exercise's checks, as the chapter writes
    them, the book's cells before the exercise and the reader's answer;
    the runner runs them (bookbuild/check_runner.py, shipped in the live
    pages' Python) in fresh names: the page's names neither help nor
    change."""
    checks = 'assert triple(2) == 6, "triple(2) is 6"\n'
    out = run_python(
        f"""
        assert runner.run_cell('1', 'def triple(x):\\n    return 3 * x')
        assert runner.check({checks!r}, ['k = 2'], 'def triple(x):\\n    return x * k')
        assert runner.namespace['triple'](2) == 6 and 'k' not in runner.namespace
        real.write(json.dumps(sent))
        """,
        tmp_path,
    )
    said = "".join(message["text"] for message in json.loads(out))
    assert said == (
        "✗ did not pass: triple(2) is 6\n"
        "    yours:    triple(2) = 4\n"
        "    expected: 6\n"
        "0 of 1 checks passed.\n"
    )


def test_every_check_passes_the_solution_and_fails_an_empty_answer(built_site, book, tmp_path):
    """Each exercise's Check, as the page sends it (the checks, and the
    book's cells before the exercise that rebuild its state: manifest's
    "before"), run natively with the live pages' Python: the solution's
    code passes every check, and an empty answer does not pass them all,
    even after the page ran the solution (the checks get a state of
    their own)."""
    from bookbuild.checks import chapter_checks

    for chapter in book.chapters[1:]:
        found = chapter_checks(chapter)
        if not found:
            continue
        entry = manifest(built_site, chapter.stem)
        sources = [cell["source"] for cell in entry["cells"]]
        cases = [
            (
                label,
                e["check"]["checks"],
                [sources[i] for i in e["check"]["before"]],
                "\n".join(found[label].solution),
            )
            for e in entry["exercises"]
            for label in [e["label"]]
        ]
        package = built_site / LIVE / f"{chapter.stem}.zip"
        out = run_python(
            f"""
            import zipfile
            if {package.exists()!r}:
                zipfile.ZipFile({str(package)!r}).extractall({str(tmp_path)!r})
            said = {{}}
            for label, checks, before, solution in {cases!r}:
                for name, answer in (("solution", solution), ("empty", "")):
                    sent.clear()
                    runner.check(checks, before, answer)
                    said[label, name] = "".join(m.get("text", "") for m in sent)
                # The page ran the book's solution: Check still starts afresh.
                for source in before:
                    runner.run_cell("page", source)
                runner.run_cell("page", solution)
                sent.clear()
                runner.check(checks, before, "")
                said[label, "empty after the solution"] = "".join(
                    m.get("text", "") for m in sent)
            real.write(json.dumps([[*key, text] for key, text in said.items()]))
            """,
            tmp_path,
        )
        for label, name, text in json.loads(out):
            counted = re.search(r"(\d+) of (\d+) checks passed\.", text)
            assert counted, (chapter.stem, label, name, text)
            if name == "solution":
                assert counted[1] == counted[2], (chapter.stem, label, text)
            else:
                assert counted[1] != counted[2], (chapter.stem, label, name, text)


# -- in the browser ------------------------------------------------------------------------


@pytest.mark.parametrize("stem", LIVE_CHAPTERS)
def test_each_page_runs_live_and_gives_the_books_outputs(browser, server, built_site, stem):
    entries = manifest(built_site, stem)["cells"]
    built = book_cells(stem)
    assert len(built) == len(entries)
    page, errors, outside = open_page(browser, f"{server}book/{stem}.html", server)
    switch_on(page)
    assert page.locator('[data-live="cell"]').count() == sum(1 for e in entries if not e["jupyter"])
    assert page.locator('[data-live="jupyter"]').count() == sum(1 for e in entries if e["jupyter"])
    varying = [pattern for pattern in (VARYING.get(stem), IN_BROWSER_VARYING.get(stem)) if pattern]
    compared = 0
    for index, (entry, book_cell) in enumerate(zip(entries, built, strict=True)):
        if entry["jupyter"]:
            cell = page.locator("div.cell").nth(index)
            assert "Runs in Jupyter only" in cell.text_content()
            continue
        ok = page.evaluate(f"bookLive.cells[{index}].run()")
        messages = page.evaluate(f"bookLive.cells[{index}].outputs")
        assert ok, (stem, entry["cell"], entry["source"][:300], messages[-3:])
        if any(pattern.search(entry["source"]) for pattern in varying):
            continue
        expected, got = text_outputs(book_cell), live_texts(messages)
        assert len(expected) == len(got), (stem, entry["source"][:300], expected, got)
        for book_text, live_text in zip(expected, got, strict=True):
            assert same_text(in_browser_words(book_text), live_text), (
                stem,
                entry["source"][:300],
                book_text[:500],
                live_text[:500],
            )
        compared += len(expected)
    # Every chapter's page has cells that run in the browser; most of them
    # print something to compare (the tensor chapter's only define).
    assert any(not e["jupyter"] for e in entries)
    assert compared > 0 or stem == "13-tensors"
    assert errors == [], errors
    assert outside == [], outside
    page.close()


def plot_paths(page, index: int) -> list[str]:
    """The path data of the lines in the plot under cell `index`."""
    return page.evaluate(
        f"[...bookLive.cells[{index}].div.querySelectorAll("
        f"'[data-live=\"output\"] svg path[stroke-linejoin]')].map(p => p.getAttribute('d'))"
    )


def test_a_plot_in_the_page_draws_the_readers_numbers(browser, server, built_site):
    """Chapter 10: the reader changes the learning rate of the training
    cell and runs it, then the plot under it: the curves change. The plot
    cells are no longer Jupyter-only: the page draws them (book_live/pyplot.py)."""
    stem = "10-learning"
    entries = manifest(built_site, stem)["cells"]
    assert all(entry["jupyter"] is None for entry in entries if "plt." in entry["source"])
    page, errors, outside = open_page(browser, f"{server}book/{stem}.html", server)
    switch_on(page)
    training = cell_index(page, "random.seed(1337)\nright = MLP(")
    plot = training + 1
    assert "plt.plot(steps, right_losses" in entries[plot]["source"]
    assert page.locator("div.cell").nth(plot).locator('[data-live="jupyter"]').count() == 0
    assert page.evaluate(f"bookLive.cells[{plot}].runAbove()")
    assert page.evaluate(f"bookLive.cells[{plot}].run()")
    before = plot_paths(page, plot)
    assert len(before) == 2 and all(d.count("L") >= 50 for d in before), before
    svg = page.locator("div.cell").nth(plot).locator('[data-live="output"] svg')
    assert "loss (mean squared error) against step" in svg.get_attribute("aria-label")
    # The reader's own learning rate, in the training cell's editor.
    editor = page.locator("div.cell").nth(training).locator('[data-live="editor"]')
    code = code_of(editor)
    assert code.count("learning_rate=0.2") == 2
    type_code(editor, code.replace("learning_rate=0.2", "learning_rate=0.05"))
    assert page.evaluate(f"bookLive.cells[{training}].run()")
    assert page.evaluate(f"bookLive.cells[{plot}].run()")
    after = plot_paths(page, plot)
    assert len(after) == 2 and after[0] != before[0] and after[1] != before[1]
    assert errors == [] and outside == [], (errors, outside)
    page.close()


def cell_index(page, source_start: str) -> int:
    return page.evaluate(
        "(start) => bookLive.cells.findIndex(c => c.entry.source.startsWith(start))", source_start
    )


def test_an_edited_cell_gives_the_new_value_and_errors_do_not_stop_the_page(browser, server):
    page, errors, outside = open_page(browser, f"{server}book/02-value.html", server)
    switch_on(page)
    first = cell_index(page, "a = 2.0")
    cell = page.locator("div.cell").nth(first)
    editor = cell.locator('[data-live="editor"]')
    assert code_of(editor).startswith("a = 2.0")
    page.on("dialog", lambda dialog: dialog.accept())  # Reset asks first
    # The lecture's d = a * b + c, with a = 3 instead of 2: -9 + 10 = 1.
    type_code(editor, code_of(editor).replace("a = 2.0", "a = 3.0"))
    cell.locator('[data-live="run"]').click()
    output = cell.locator('[data-live="output"]')
    output.get_by_text("1.0").wait_for()
    assert output.inner_text().strip() == "1.0"
    assert cell.locator(".cell_output:not(.live-output)").is_hidden()
    # An error shows its traceback; the next run works.
    type_code(editor, "d / 0")
    editor.press("Shift+Enter")
    output.get_by_text("ZeroDivisionError").wait_for()
    assert "Traceback" in output.inner_text() and "<cell" in output.inner_text()
    cell.locator('[data-live="reset"]').click()
    assert code_of(editor).startswith("a = 2.0")
    editor.press("Shift+Enter")
    page.wait_for_function(
        f"bookLive.cells[{first}].outputs.length === 1 && !bookLive.channel.busy"
    )
    assert output.inner_text().strip() == "4.0"
    # Tab indents in the editor.
    type_code(editor, "")
    editor.press("Tab")
    assert code_of(editor) == "    "
    # A graph is drawn in the page, by Graphviz in WebAssembly.
    graph = cell_index(page, "draw_dot(L)")
    assert graph > 0
    assert page.evaluate(f"bookLive.cells[{graph}].runAbove()")
    assert page.evaluate(f"bookLive.cells[{graph}].run()")
    nodes = page.locator("div.cell").nth(graph).locator('[data-live="output"] svg g.node')
    nodes.first.wait_for()
    assert nodes.count() >= 5
    # A request the worker does not know is answered with an error that
    # says so, and the page goes on.
    reply = page.evaluate("bookLive.channel.request({type: 'nope'})")
    assert reply["ok"] is False and 'unknown request "nope"' in reply["error"], reply
    assert errors == [] and outside == [], (errors, outside)
    page.close()


# An exercise's answer cell, Check with the solution's code and with wrong
# code: (chapter, exercise, a line of the solution's cell on the page, the
# solution's code, a wrong answer, what the wrong answer is told, and the
# reader's value it shows).
CHECK_CASES = [
    (
        "01-derivatives",
        "deriv-ex-central",
        "def central_slope(",
        "def central_slope(fn, x, h):\n    return (fn(x + h) - fn(x - h)) / (2 * h)\n",
        "def central_slope(fn, x, h):\n    return (fn(x + h) - fn(x)) / h\n",
        "it nudges both ways",
        "yours:    central_slope(lambda x: x * x, -1.0, 0.5) = -1.5",
    ),
    (
        "02-value",
        "value-ex-neg",
        "def __neg__(self):",
        "@add_to_class(Value)\ndef __neg__(self):\n    return Value(-self.data, (self,), 'neg')\n",
        "@add_to_class(Value)\ndef __neg__(self):\n    return Value(-self.data)\n",
        "-a remembers a as its only child",
        "yours:    tuple(_b._prev) = ()",
    ),
]


@pytest.mark.parametrize("stem, label, line, solution, wrong, told, shown", CHECK_CASES)
def test_an_exercises_check_is_honest_and_shows_the_readers_value(
    browser, server, built_site, stem, label, line, solution, wrong, told, shown
):
    """The book's solution has run on the page, and still an empty answer
    fails (Check rebuilds the chapter's state before the exercise); the
    solution's code passes; a wrong answer is told what did not pass, with
    its value beside the expected one."""
    checks = {e["label"] for e in manifest(built_site, stem)["exercises"]}
    assert label in checks
    page, errors, outside = open_page(browser, f"{server}book/{stem}.html", server)
    switch_on(page)
    answer = page.locator(f'#{label} [data-live-exercise="{label}"]')
    assert answer.count() == 1
    editor = answer.locator('[data-live="editor"]')
    assert code_of(editor).startswith("# Your answer to Exercise")
    output = answer.locator('[data-live="output"]')
    index = page.evaluate(
        "(label) => bookLive.cells.findIndex(c => c.entry.exercise === label)", label
    )
    # The reader runs the book's solution on the page, and the cells above it.
    book_solution = page.evaluate(
        "(line) => bookLive.cells.findIndex(c => !c.entry.exercise && "
        "c.entry.source.includes(line))",
        line,
    )
    assert page.evaluate(f"bookLive.cells[{book_solution}].runAbove()")
    assert page.evaluate(f"bookLive.cells[{book_solution}].run()")

    def check(code: str) -> str:
        """Put `code` in the answer cell, press Check: what it says."""
        type_code(editor, code)
        answer.locator('[data-live="check"]').click()
        page.wait_for_function(
            f"bookLive.cells[{index}].outputs.some(m => (m.text || '')"
            f".includes('checks passed.')) && !bookLive.channel.busy"
        )
        return output.inner_text()

    # Nothing written yet: the checks fail, although the solution ran.
    text = check(code_of(editor))
    assert "✗" in text and "✓" not in text, text
    if stem == "02-value":  # its first check compares: both values shown
        assert "yours:    getattr(Value, '__neg__', None) = None" in text, text
        assert "expected: not None" in text, text
    # The solution's code passes every check.
    text = check(solution)
    assert "✗" not in text and "✓" in text, text
    counted = re.search(r"(\d+) of (\d+) checks passed\.", text)
    assert counted and counted[1] == counted[2], text
    # A wrong answer is told, in words, what did not pass, with its value.
    text = check(wrong)
    assert f"✗ did not pass: {told}" in text and shown in text, text
    # Switching live mode off takes the answer cell away again.
    page.click('[data-live="toggle"]')
    assert page.locator("[data-live-exercise]").count() == 0
    assert errors == [] and outside == [], (errors, outside)
    page.close()


def test_stop_ends_an_endless_loop_and_python_restarts(browser, server):
    page, errors, outside = open_page(browser, f"{server}book/02-value.html", server)
    switch_on(page)
    cell = page.locator("div.cell").nth(0)
    type_code(cell.locator('[data-live="editor"]'), "while True: pass")
    cell.locator('[data-live="run"]').click()
    page.wait_for_timeout(500)
    stop = cell.locator('[data-live="stop"]')
    assert stop.is_enabled()
    stop.click()
    assert "restarted" in page.locator('[data-live="status"]').inner_text()
    assert "Stopped" in cell.locator('[data-live="output"]').inner_text()
    page.wait_for_function("bookLive.channel && bookLive.restarts === 1")
    page.once("dialog", lambda dialog: dialog.accept())  # Reset asks first
    cell.locator('[data-live="reset"]').click()
    assert page.evaluate("bookLive.cells[0].run()")
    assert cell.locator('[data-live="output"]').inner_text().strip() == "4.0"
    assert stop.is_disabled()
    # Switching off gives the book's page back.
    page.click('[data-live="toggle"]')
    assert page.locator('[data-live="editor"]').count() == 0
    assert cell.locator(".cell_output").is_visible()
    assert errors == [] and outside == [], (errors, outside)
    page.close()


def test_moving_figures_are_drawn_from_the_live_objects(browser, server):
    page, errors, outside = open_page(browser, f"{server}book/05-backward.html", server)
    switch_on(page)
    index = page.evaluate(
        "bookLive.cells.findIndex(c => /_figure\\(/.test(c.entry.source) && !c.entry.jupyter)"
    )
    assert index >= 0
    assert page.evaluate(f"bookLive.cells[{index}].runAbove()")
    assert page.evaluate(f"bookLive.cells[{index}].run()")
    figure = page.locator("div.cell").nth(index).locator('[data-live="output"] div.mgv')
    figure.locator("svg").first.wait_for()
    assert figure.get_attribute("data-mgv-ready") == "yes"
    assert errors == [] and outside == [], (errors, outside)
    page.close()


CHECK_D = 'assert d == -5.0, "d is -5.0"\n'


def test_a_check_given_by_the_manifest_runs_after_the_readers_code(browser, server):
    """A manifest entry of a page cell with "check" gives that cell a Check
    button too (here the manifest is changed on its way to the page; the
    build gives checks to exercises' answer cells)."""
    page, errors, outside = open_page(browser, f"{server}book/02-value.html", server)

    def with_a_check(route):
        entry = json.loads(route.fetch().text())
        entry["cells"][0]["check"] = {"label": "Check d", "checks": CHECK_D}
        route.fulfill(json=entry)

    page.route("**/_static/live/02-value.json", with_a_check)
    switch_on(page)
    cell = page.locator("div.cell").first
    assert cell.get_attribute("data-live-chapter") == "02-value"
    assert cell.get_attribute("data-live-cell") == "1"  # after the hidden set-up
    editor = cell.locator('[data-live="editor"]')
    type_code(editor, code_of(editor).replace("c = 10.0", "c = 1.0"))
    cell.locator('[data-live="check"]').click()
    output = cell.locator('[data-live="output"]')
    output.get_by_text("checks passed").wait_for()
    assert output.inner_text().splitlines() == [
        "-5.0",
        "✓ passed: d is -5.0",
        "1 of 1 checks passed.",
    ]
    assert page.locator('div.cell [data-live="check"]').count() == 1
    assert errors == [] and outside == [], (errors, outside)
    page.close()


def test_over_file_urls_the_page_says_to_serve_it(browser, built_site):
    url = (built_site / "book" / "02-value.html").as_uri()
    page, errors, outside = open_page(browser, url, "file://")
    page.click('[data-live="toggle"]')
    status = page.locator('[data-live="status"]').inner_text()
    assert "file://" in status and "make serve" in status
    assert page.locator('[data-live="editor"]').count() == 0
    assert errors == [] and outside == [], (errors, outside)
    page.close()


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_live_controls_are_accessible_and_fit_a_phone(browser, server, theme):
    """Also saves screenshots of a live cell, at a desktop's width and a
    phone's, to _build/screenshots/ for a human to look at."""
    page, errors, outside = open_page(browser, f"{server}book/02-value.html", server, theme)
    switch_on(page)
    assert page.evaluate("bookLive.cells[0].run()")
    folder = BUILD / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    first = page.locator("div.cell").first
    first.scroll_into_view_if_needed()
    first.screenshot(path=str(folder / f"live-02-value-{theme}-1280.png"))
    result = axe_violations(
        page, ['[data-live="toggle"]', '[data-live="status"]', '[data-live="cell"]']
    )
    assert result == [], result
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_timeout(200)
    assert page.locator('[data-live="toggle"]').is_visible()
    first.scroll_into_view_if_needed()
    first.screenshot(path=str(folder / f"live-02-value-{theme}-390.png"))
    # The editors' frames (CodeMirror's content may be wider: it scrolls inside).
    for selector in ('[data-live="toggle"]', ".live-toolbar button", ".live-cm, .live-editor"):
        boxes = page.locator(selector).evaluate_all(
            "els => els.filter(e => e.offsetParent).map(e => e.getBoundingClientRect().right)"
        )
        assert boxes and max(boxes) <= 390, (selector, boxes)
    assert errors == [] and outside == [], (errors, outside)
    page.close()
