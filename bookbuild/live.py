"""Live pages: each chapter's code runs and can be edited in the reader's
browser, with Pyodide (CPython compiled to WebAssembly).

Off by default: the page header's "Run the code" button (book-links.html)
switches it on, and `_static/live/live.js` takes over from there. What this
extension adds to the site, at the end of each HTML build:

- `_static/live/pyodide/`, `_static/live/viz/` and
  `_static/live/codemirror/`: the browser runtime (Pyodide, Graphviz
  compiled to WebAssembly for `draw_dot`, and CodeMirror, the cells' code
  editor), copied from `.vendor/`, where `make vendor` (setup/vendor.py)
  put it. Nothing is fetched from the network at build time or when a
  reader opens a page.
- `_static/live/live.js`, `loop.js`, `worker.mjs` (from bookbuild/live/):
  the page's controls, the live Loop's, and the Web Worker that runs
  Python; they talk through one request channel (shared.js, `Channel`).
  Beside them `editor.mjs` (the code editor), `edits.js` (the reader's
  edits kept, and the notebook with them) and `numbers.js` (the note on
  numbers that differ from the book's in their last digits).
- `_static/live/book_live.zip`: the live pages' Python, one package
  (bookbuild/live/book_live/, with bookbuild/check_runner.py and
  bookbuild/cell_names.py), which the
  worker unpacks beside the chapter's package and imports.
- `_static/live/NN-slug.zip`: the package as the chapters before this one
  left it, the same zip the chapter's notebook embeds.
- `_static/live/NN-slug.json`: the chapter's manifest: its code cells as
  the page shows them (hidden cells are not on the page and never run),
  each with its place (`cell`, its index among the chapter's code cells),
  the names it defines (`defines`) and the methods it adds to a class
  (`attaches`, with `@add_to_class`): a cell that reads one of them that
  Python does not have yet first runs the cell above it that defines it,
  and, for a cell that needs what the browser lacks (NumPy,
  PyTorch), why it runs in Jupyter only (`jupyter`); and its exercises that
  carry checks (`exercises`: label, and the checks the Check button sends
  to the worker, their source from the chapter: bookbuild/checks.py).

- `_static/live/NN-slug.loop.zip`, for a chapter that shows a training
  replay (`loop_figure`): the finished package (with chapter 12's fused
  neurons, several times faster than chapter 11's engine, and the same
  numbers), for the live Loop (loop.js and book_live/loop.py), which
  trains in a worker of its own; the manifest says so (`loop`: the zip,
  and the Loop's settings, from book_live/loop_settings.json).

Every chapter that gets a notebook gets a live page: all but the preface,
whose code draws the book's structure from the repository's own files.

An exercise with checks gets, in live mode, a cell of its own at the end of
the exercise, for the reader's answer: Run, and Check, which runs the
reader's code and then the checks, and says in words what passed.
"""

from __future__ import annotations

import ast
import json
import shutil
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.util import logging

from bookbuild import check_runner
from bookbuild.cell_names import attached, cell_names, changed, names
from bookbuild.checks import chapter_checks
from bookbuild.notebooks import chapter_notebooks
from bookbuild.snapshots import requirements, snapshot_files, snapshot_zip

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[1]
VENDOR = ROOT / ".vendor"
ASSETS = Path(__file__).resolve().parent / "live"
PYTHON_SIDE = ASSETS / "book_live"  # the live pages' Python, one package
LOOP_SETTINGS = PYTHON_SIDE / "loop_settings.json"
CELL_NAMES = Path(__file__).resolve().parent / "cell_names.py"  # shipped too
PALETTE = ROOT / "micrograd" / "figures" / "palette.json"
FOLDER = "_static/live"  # in the site
# What the browser runtime gets from the vendored folders, and must be there.
RUNTIME = {
    "pyodide": (
        "pyodide.mjs",
        "pyodide.asm.mjs",
        "pyodide.asm.wasm",
        "python_stdlib.zip",
        "pyodide-lock.json",
        # Python just started, made at set-up (setup/pyodide_snapshot.mjs)
        "memory-snapshot.bin.gz",
    ),
    "viz": ("viz.js",),
    # CodeMirror 6, the cells' code editor (editor.mjs imports these); the
    # folder holds the modules they import in turn, and each one's licence.
    "codemirror": (
        "codemirror-state.js",
        "codemirror-view.js",
        "codemirror-language.js",
        "codemirror-commands.js",
        "lezer-highlight.js",
        "lezer-python.js",
    ),
}
# Third-party packages the browser has: `graphviz` is a stand-in in
# book_live/runner.py that hands the DOT source to Graphviz in WebAssembly;
# `matplotlib` is the page's pyplot, book_live/pyplot.py, which draws SVG.
IN_BROWSER = {"graphviz", "matplotlib"}
# What the reader is told a cell needs, by pip name.
WHAT = {"numpy": "NumPy", "torch": "PyTorch"}


DEFINITIONS = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def parse(source: str) -> ast.Module:
    return ast.parse(
        "\n".join(
            "" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines()
        )
    )


def missing(module: str, package: dict[str, bytes]) -> set[str]:
    """What importing `module` needs that the browser lacks (pip names):
    for a module of the package, what its own top-level imports need
    (imports inside its functions run only when called, and the apparatus
    guards them)."""
    top = module.split(".")[0]
    if top == "micrograd":
        path = module.replace(".", "/")
        for name in (f"{path}.py", f"{path}/__init__.py"):
            if name in package:
                tree = parse(package[name].decode("utf-8"))
                return {
                    need
                    for node in tree.body
                    if isinstance(node, (ast.Import, ast.ImportFrom))
                    for imported in imports_of(node)
                    if imported != module
                    for need in missing(imported, package)
                }
        return set()
    needs = requirements([f"import {module}"], {})
    return {name for name in needs if name not in IN_BROWSER}


def imports_of(node: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level or not node.module:
        return []
    return [node.module] + [f"{node.module}.{a.name}" for a in node.names]


def browser_cells(sources: list[str], package: dict[str, bytes]) -> list[str | None]:
    """For each cell (in page order): None if it runs in the browser, else
    what it needs that the browser lacks (as the page tells the reader).

    The page draws plots itself (matplotlib's pyplot, book_live/pyplot.py)
    and has a `get_ipython()`; importing is not using: it has stand-ins for
    NumPy and PyTorch that can be imported but not used
    (book_live/runner.py). So the names imported from them (`np`, or
    `Tensor` from a module of the package that needs NumPy) are marked,
    statement by statement; so is a function whose body reads a marked
    name (defining it runs; calling it would not). A cell with any other
    statement that reads a marked name cannot run, and everything it binds
    is marked in turn."""
    # name -> the packages it needs
    marked: dict[str, set[str]] = {}
    verdicts: list[str | None] = []
    for source in sources:
        tree = parse(source)
        visible = dict(marked)
        needs: set[str] = set()
        bound_by_cell: set[str] = set()
        for node in tree.body:
            bound, now, later = names(node)
            bound_by_cell |= bound
            taint = set().union(*(visible[name] for name in now if name in visible))
            taint_later = set().union(*(visible[name] for name in later if name in visible))
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                for alias in node.names:
                    name = (alias.asname or alias.name).split(".")[0]
                    modules = (
                        [alias.name]
                        if isinstance(node, ast.Import)
                        else [node.module or "", f"{node.module}.{alias.name}"]
                    )
                    if getattr(node, "level", 0):
                        modules = []
                    got = set().union(*(missing(m, package) for m in modules if m))
                    if got:
                        visible[name] = got
                    else:
                        visible.pop(name, None)
                continue
            needs |= taint
            for name in bound:
                if taint or taint_later:
                    visible[name] = taint | taint_later
                else:
                    visible.pop(name, None)
        if needs:
            marked.update(dict.fromkeys(bound_by_cell, needs))
            verdicts.append(" and ".join(WHAT.get(n, n) for n in sorted(needs)))
        else:
            marked = visible
            verdicts.append(None)
    return verdicts


def bound_and_read(source: str) -> tuple[set[str], set[str]]:
    """(names a cell defines or changes, see cell_names.changed; names it
    reads from before it)."""
    tree = parse(source)
    defined, reads = cell_names(tree)
    return defined | changed(tree), reads


def prelude(sources: list[str], needed: list[str]) -> list[int]:
    """Which of `sources` (the cells above an exercise, that run in the
    browser) rebuild the state its checks need: every cell that binds or
    changes a name the code in `needed` (the solution, then the checks)
    reads, and, in turn, those that their own reads need; and every cell
    that only defines (imports, functions, classes, methods added to a
    class: cheap, and what a reader's answer may lean on, such as a method
    of an object that a function makes). The chapter's other cells (a
    slow training run, say) are left out."""
    wanted: set[str] = set()
    for source in reversed(needed):
        bound, reads = bound_and_read(source)
        wanted = (wanted - bound) | reads
    chosen = []
    for index in reversed(range(len(sources))):
        tree = parse(sources[index])
        bound, reads = bound_and_read(sources[index])
        defines_only = tree.body and all(isinstance(node, DEFINITIONS) for node in tree.body)
        if bound & wanted or defines_only:
            chosen.append(index)
            wanted |= reads
    return sorted(chosen)


def exercise_checks(chapter, shown, verdicts: list[str | None]) -> list[dict]:
    """The manifest's exercises: for each exercise with checks, its label,
    and what its Check button sends: the checks, and the cells (their
    places in the manifest's `cells`) that rebuild the chapter's state as
    it was before the exercise, in a fresh interpreter state."""
    exercises = []
    for label, checked in chapter_checks(chapter).items():
        above = [
            index
            for index, (_, cell) in enumerate(shown)
            if cell.fence_line < checked.start and verdicts[index] is None
        ]
        needed = prelude(
            [shown[index][1].source for index in above], [*checked.solution, checked.checks]
        )
        check = {"label": "Check", "checks": checked.checks, "before": [above[i] for i in needed]}
        exercises.append({"label": label, "check": check})
    return exercises


def manifest(chapter, package: dict[str, bytes] | None) -> dict:
    """What live.js needs to know about a chapter's code cells."""
    shown = [
        (place, cell) for place, cell in enumerate(chapter.cells) if "remove-cell" not in cell.tags
    ]
    sources = [cell.source for _, cell in shown]
    verdicts = browser_cells(sources, package or {})
    cells = [
        {
            "cell": place,
            "source": cell.source,
            "jupyter": verdict,
            "defines": sorted(cell_names(parse(cell.source))[0]),
            "attaches": sorted(attached(parse(cell.source))),
        }
        for (place, cell), verdict in zip(shown, verdicts, strict=True)
    ]
    exercises = exercise_checks(chapter, shown, verdicts)
    graphviz = any(
        verdict is None and "graphviz" in requirements([source], package or {})
        for source, verdict in zip(sources, verdicts, strict=True)
    )
    return {
        "chapter": chapter.stem,
        "package": f"{chapter.stem}.zip" if package else None,
        "graphviz": graphviz,
        "cells": cells,
        "exercises": exercises,
    }


def python_side() -> dict[str, bytes]:
    """The live pages' Python as the worker unpacks it (book_live.zip): the
    package book_live/, with the exercises' check runner and the cells'
    names (cell_names.py), files the build also runs natively."""
    files = {
        f"book_live/{path.name}": path.read_bytes()
        for path in sorted(PYTHON_SIDE.iterdir())
        if path.suffix in (".py", ".json")
    }
    files["book_live/check_runner.py"] = Path(check_runner.__file__).read_bytes()
    files["book_live/cell_names.py"] = CELL_NAMES.read_bytes()
    # The page's plots take the book's colours from the one palette.
    files["book_live/palette.json"] = PALETTE.read_bytes()
    return files


def missing_runtime() -> list[str]:
    return [
        f"{name}/{file}"
        for name, files in RUNTIME.items()
        for file in files
        if not (VENDOR / name / file).exists()
    ]


def copy_if_changed(source: Path, target: Path) -> None:
    if (
        target.exists()
        and target.stat().st_size == source.stat().st_size
        and target.stat().st_mtime >= source.stat().st_mtime
    ):
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source, target)


def write_if_changed(path: Path, data: bytes) -> None:
    if not path.exists() or path.read_bytes() != data:
        path.write_bytes(data)


def has_loop(chapter) -> bool:
    """Whether the chapter's page shows a training replay, which live
    mode turns into the live Loop."""
    for cell in chapter.cells:
        if "remove-cell" in cell.tags or "loop_figure" not in cell.source:
            continue
        for node in ast.walk(parse(cell.source)):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "loop_figure"
            ):
                return True
    return False


def write_live(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    from tangle.package import package_data

    target = Path(app.outdir) / FOLDER
    target.mkdir(parents=True, exist_ok=True)
    absent = missing_runtime()
    if absent:
        logger.warning(
            f"live pages: the browser runtime is missing from {VENDOR} "
            f"({', '.join(absent)}); run `make vendor` (make html and make "
            f"book run it), which fetches it with npm"
        )
    else:
        for name in RUNTIME:
            for source in sorted((VENDOR / name).iterdir()):
                copy_if_changed(source, target / name / source.name)
    for source in sorted(ASSETS.iterdir()):
        if source.suffix in (".js", ".mjs"):
            copy_if_changed(source, target / source.name)
    write_if_changed(target / "book_live.zip", snapshot_zip(python_side()))
    loop_settings = json.loads(LOOP_SETTINGS.read_text(encoding="utf-8"))
    state, chapters = chapter_notebooks(app)
    data = package_data(state.book.root)
    for chapter in chapters:
        before = state.result.snapshot_before(chapter)
        package = None
        if before is not None:
            package = snapshot_files(before[1], data)
            write_if_changed(target / f"{chapter.stem}.zip", snapshot_zip(package))
        try:
            entry = manifest(chapter, package)
        except (ValueError, SyntaxError) as error:
            logger.warning(f"live pages: {chapter.path}: {error}", location=chapter.path)
            continue
        if has_loop(chapter):
            write_if_changed(
                target / f"{chapter.stem}.loop.zip",
                snapshot_zip(snapshot_files(state.result.files, data)),
            )
            entry["loop"] = {"package": f"{chapter.stem}.loop.zip", "settings": loop_settings}
        text = json.dumps(entry, indent=1, ensure_ascii=False) + "\n"
        write_if_changed(target / f"{chapter.stem}.json", text.encode("utf-8"))


def live_context(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """What the page header needs for its "Run the code" button: the
    chapter's manifest and the script (book/_templates/book-links.html)."""
    _, chapters = chapter_notebooks(app)
    stems = {chapter.docname: chapter.stem for chapter in chapters}
    pathto = context["pathto"]
    if pagename in stems:
        context["book_live"] = pathto(f"{FOLDER}/{stems[pagename]}.json", 1)
        context["book_live_script"] = pathto(f"{FOLDER}/live.js", 1)
    else:
        context["book_live"] = context["book_live_script"] = ""


def setup(app: Sphinx) -> None:
    app.connect("html-page-context", live_context)
    app.connect("build-finished", write_live)
