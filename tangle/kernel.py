"""What a chapter's kernel needs: its snapshot of the package, and the style.

`setup(chapter)` computes the package as the chapters before `chapter` left
it, writes it to `_build/snapshots/<previous chapter>/`, and installs an import
hook so that `import micrograd` finds that snapshot and nothing else (not an
installed copy, not the final package in the repository). Before the first
chapter with code, `import micrograd` fails with a message saying why.
"""

from __future__ import annotations

import hashlib
import importlib.abc
import importlib.machinery
import json
import linecache
import os
import re
import sys
import time
from pathlib import Path

from tangle.book import Book, Chapter, CodeCell
from tangle.model import PACKAGE
from tangle.package import fingerprint, package_data, write_tree
from tangle.tangler import Result, tangle_book

SNAPSHOTS = Path("_build") / "snapshots"


def add_to_class(cls):
    """Attach the decorated function to `cls` as a method.

    Chapters grow a class one cell at a time with it; the tangler moves each
    such function into the class body in the package and drops the decorator.
    """

    def attach(function):
        setattr(cls, function.__name__, function)
        return function

    return attach


class SnapshotFinder(importlib.abc.MetaPathFinder):
    """Resolve `import micrograd` to one snapshot folder, or refuse it."""

    def __init__(self, directory: Path | None, chapter: str) -> None:
        self.directory = directory
        self.chapter = chapter

    def find_spec(self, fullname, path=None, target=None):
        if fullname != PACKAGE:
            return None  # submodules follow the package's own __path__
        if self.directory is None:
            raise ModuleNotFoundError(
                f"No module named {PACKAGE!r} yet: no chapter before "
                f"{self.chapter} adds code to the package",
                name=fullname,
            )
        return importlib.machinery.PathFinder.find_spec(fullname, [str(self.directory)])


def use_snapshot(directory: Path | None, chapter: str) -> None:
    for name in list(sys.modules):
        if name == PACKAGE or name.startswith(PACKAGE + "."):
            del sys.modules[name]
    sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, SnapshotFinder)]
    sys.meta_path.insert(0, SnapshotFinder(directory, chapter))


# Besides the package before it, what every chapter's outputs depend on: the
# set-up its hidden first cell runs (with the palette its plots take their
# colours from), and the versions of the toolchain.
KERNEL_FILES = (
    "tangle/kernel.py",
    "tangle/setup_chapter.py",
    "micrograd/figures/palette.json",
    "setup/requirements.txt",
)


def chapter_key(root: Path, result: Result, chapter: Chapter) -> str:
    """What a chapter's outputs depend on beyond its own code cells.

    The build caches each chapter's outputs under its code cells and this
    key, so a chapter runs again exactly when one of them changes.
    """
    digest = hashlib.sha256()
    before = result.snapshot_before(chapter)
    if before is None:
        digest.update(b"-")
    else:
        # Every snapshot holds the apparatus (the figures) and the package
        # data it reads (the player, the palette); they count only for a
        # chapter that uses the apparatus, which names its module.
        used = uses_apparatus(chapter, result.apparatus)
        files = {
            path: rendered
            for path, rendered in before[1].items()
            if path not in result.apparatus or used
        }
        digest.update(fingerprint(files, package_data(root) if used else None).encode())
    for name in KERNEL_FILES:
        digest.update(name.encode() + b"\0" + (root / name).read_bytes() + b"\0")
    if reads_the_book(chapter):
        # The preface draws which chapter writes which file: it depends on
        # every tangled cell of the book.
        for placement in result.placements:
            cell = placement.cell
            digest.update(
                f"{cell.chapter.stem} {cell.chapter.apparatus} {placement.target}\0".encode()
            )
    return digest.hexdigest()[:16]


def reads_the_book(chapter: Chapter) -> bool:
    """Whether the chapter's code imports the toolchain to read the book."""
    return any(
        re.search(r"^\s*(from|import)\s+tangle\b", cell.source, re.M) for cell in chapter.cells[1:]
    )


def uses_apparatus(chapter: Chapter, apparatus: frozenset[str]) -> bool:
    """Whether the chapter's code names a module of the apparatus (as in
    `from micrograd.figures import neuron_figure`): a module's name is its
    file's, or for a package's __init__.py, its folder's."""
    names = [
        path.parent.name if path.name == "__init__.py" else path.stem
        for path in map(Path, apparatus)
    ]
    return any(
        re.search(rf"\b{re.escape(name)}\b", cell.source)
        for cell in chapter.cells
        for name in names
    )


def setup(stem: str, root: Path, key: str | None = None) -> None:
    """Run chapter `stem` against the package as the chapters before it left
    it. `key`, given by the build, is what the chapter's outputs will be
    cached under: it must still describe what the chapter runs against."""
    book = Book.load(root)
    chapter = book.chapter(stem)
    result = tangle_book(book)
    if key is not None and key != chapter_key(root, result, chapter):
        raise RuntimeError(
            f"{chapter.path}: the package or the set-up changed while the book "
            f"was being built, so this chapter's outputs would be cached under "
            f"the wrong key; build again"
        )
    before = result.snapshot_before(chapter)
    directory = None
    if before is not None:
        owner, files = before
        directory = write_tree(root / SNAPSHOTS / owner.stem, files, package_data(root))
    use_snapshot(directory, chapter.path)
    style()
    report_false_claims(chapter)


def report_false_claims(chapter: Chapter) -> None:
    """Name the chapter and line of a failing `assert`.

    A sentence about an output is backed by an `assert` in a hidden cell
    right after it. When one fails, the build stops with its traceback; this
    puts `book/NN-slug.md:LINE: a claim in the text is false` in front of it,
    so the author knows which sentence to look at, in the chapter itself.
    """
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is None:
        return

    def handler(shell, etype, value, tb, tb_offset=None):
        cell, line = claim_cell(chapter, tb)
        where = f"{chapter.path}:{line}" if cell else chapter.path
        said = " ".join(str(arg) for arg in value.args)
        said = f" ({said})" if said else ""
        exercise = cell.options.get("check") if cell else None
        if exercise:  # an exercise's check (bookbuild/checks.py)
            value.args = (
                f"{where}: the solution of exercise {exercise} fails "
                f"its own check{said}; fix the solution or the check",
            )
        else:
            value.args = (
                f"{where}: a claim in the text is false{said}; fix "
                f"the code or the sentence the assert checks",
            )
        shell.showtraceback((etype, value, tb))

    shell.set_custom_exc((AssertionError,), handler)


def claim_cell(chapter: Chapter, tb):
    """The chapter's cell that holds the innermost line of the traceback
    that is in one of the chapter's cells (found by the cell's source), and
    that line in the chapter; (None, None) when there is none."""
    found: tuple[CodeCell | None, int | None] = (None, None)
    while tb is not None:
        code = tb.tb_frame.f_code
        source = "".join(linecache.getlines(code.co_filename)).strip()
        for cell in chapter.cells:
            if source and cell.source.strip() == source:
                found = (cell, cell.line_of(tb.tb_lineno))
        tb = tb.tb_next
    return found


# The book's one plotting style: quiet axes, readable type, the colours of
# the book's palette (Okabe and Ito's, which are colour-blind-safe; the same
# file colours the figures), white figures that read on light and dark pages.
PALETTE_FILE = Path(__file__).resolve().parents[1] / PACKAGE / "figures" / "palette.json"


def colour_cycle() -> list[str]:
    """The colours of the plots, in order, from the book's palette."""
    palette = json.loads(PALETTE_FILE.read_text(encoding="utf-8"))
    return [palette["okabe_ito"][name] for name in palette["cycle"]]


def style() -> None:
    try:
        from IPython import get_ipython
    except ImportError:  # plain Python: nothing to configure
        return
    shell = get_ipython()
    if shell is None:
        return
    import matplotlib as mpl
    from cycler import cycler

    mpl.rcParams.update(
        {
            "figure.figsize": (6.0, 3.6),
            "figure.dpi": 100,
            "figure.facecolor": "white",
            "axes.facecolor": "white",
            "axes.prop_cycle": cycler(color=colour_cycle()),
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.grid": True,
            "grid.alpha": 0.3,
            "font.size": 11,
            "axes.titlesize": 12,
            "lines.linewidth": 2.0,
            "svg.hashsalt": "micrograd-book",  # identical SVGs in every build
            "savefig.bbox": "tight",
            "pdf.fonttype": 42,
        }
    )
    # Screens get SVG, the PDF gets vector PDF: both are in every output.
    from matplotlib_inline.backend_inline import set_matplotlib_formats

    set_matplotlib_formats("svg", "pdf")
    # Graphviz graphs show as SVG; add a PDF rendering for the printed book.
    try:
        import graphviz
    except ImportError:
        return
    pdf = shell.display_formatter.formatters["application/pdf"]
    pdf.for_type(graphviz.graphs.BaseGraph, graph_as_pdf)


CREATION_DATE = re.compile(rb"/CreationDate \(D:(\d{14})")


def graph_as_pdf(graph) -> bytes:
    """A Graphviz graph as PDF, with a fixed creation date.

    Graphviz's PDF renderer (cairo) stamps the current time into every file,
    which would make each build of the book differ. The stamp is replaced, in
    place and at the same length, by the date in SOURCE_DATE_EPOCH.
    """
    epoch = int(os.environ.get("SOURCE_DATE_EPOCH", "0"))
    fixed = time.strftime("%Y%m%d%H%M%S", time.gmtime(epoch)).encode()
    return CREATION_DATE.sub(rb"/CreationDate (D:" + fixed, graph.pipe(format="pdf"))
