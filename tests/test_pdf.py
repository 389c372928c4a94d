"""The PDF: every chapter, every figure, every caption; no reprs, no tracebacks."""

from __future__ import annotations

import base64
import hashlib
import os
import re
import subprocess
import time
from collections.abc import Iterator
from itertools import pairwise

import pytest

from conftest import BUILD, FIGURE_PAGES, executed_notebook
from tangle.book import Book
from tangle.tangler import Result

# What a rich output that LaTeX could not render leaves behind as text.
FORBIDDEN = ["<graphviz", " at 0x", "Traceback", "<IPython", "object>", "<Figure size"]
# The forms of a figure LaTeX can include, the one it picks first.
PRINTABLE = ("application/pdf", "image/png", "image/jpeg")


def normalise(text: str) -> str:
    return " ".join(text.replace("\u2014", "-").replace("--", "-").split())


def executed_outputs(book: Book) -> Iterator[tuple[str, dict, dict]]:
    """(chapter path, cell, output): every output of every chapter, as the
    build executed it."""
    for chapter in book.chapters:
        for cell in executed_notebook(chapter.docname)["cells"]:
            for output in cell.get("outputs", []):
                yield chapter.path, cell, output


@pytest.fixture(scope="session")
def pdf_text(built_pdf) -> str:
    result = subprocess.run(
        ["pdftotext", "-layout", str(built_pdf), "-"], capture_output=True, text=True, check=True
    )
    return result.stdout


def test_pdf_has_every_chapter_title(pdf_text, book):
    text = normalise(pdf_text).lower()
    for chapter in book.chapters:
        assert normalise(chapter.title.replace("`", "")).lower() in text, chapter.path


def test_pdf_has_no_object_reprs_or_tracebacks(pdf_text):
    for bad in FORBIDDEN:
        assert bad not in pdf_text, f"{bad!r} in the PDF"


HIDDEN = ("remove-input", "remove-cell")  # never on the page, nor on paper
FOLDED = "hide-input"  # on the page behind a toggle; on paper in smaller type


def printed_lines(pdf_text: str) -> set[str]:
    return {" ".join(line.split()) for line in pdf_text.splitlines()}


def test_printed_code_never_wraps(pdf_text, book):
    """Every line of shown code fits the printed page: it appears whole on
    one line of the PDF (outputs may wrap; code may not)."""
    printed = printed_lines(pdf_text)
    long_lines = [
        (cell.where, " ".join(line.split()))
        for chapter in book.chapters
        for cell in chapter.cells
        if not set(cell.tags) & {*HIDDEN, FOLDED}
        for line in cell.source.splitlines()
        if len(line) >= 70
    ]
    assert len(long_lines) > 20
    wrapped = [(where, line) for where, line in long_lines if line not in printed]
    assert wrapped == [], wrapped[:5]


def test_folded_code_is_printed_smaller(pdf_text, book, root):
    """Paper has no toggle: code that the site folds away (code repeated from
    an earlier chapter, `del sum`, the figures' machinery) is printed, so
    that a reader can type the book in from paper, in smaller type."""
    printed = printed_lines(pdf_text)
    folded = [
        (cell.where, " ".join(line.split()))
        for chapter in book.chapters
        for cell in chapter.cells
        if FOLDED in cell.tags
        for line in cell.source.splitlines()
        if line.strip()
    ]
    assert len(folded) > 100  # the appendix folds the whole apparatus
    assert [entry for entry in folded if entry[1] not in printed] == []
    tex = (root / "_build" / "latex" / "micrograd-book.tex").read_text(encoding="utf-8")
    assert tex.count("\\fvset{fontsize=\\footnotesize}") == len(
        [cell for chapter in book.chapters for cell in chapter.cells if FOLDED in cell.tags]
    )


def test_every_tangled_cell_has_its_location_caption_on_one_line(pdf_text, tangled: Result):
    """Folded or not, every cell that goes into the package is printed under
    the line that says where its code lands."""
    printed = {normalise(line) for line in pdf_text.splitlines()}
    for placement in tangled.placements:
        assert normalise(placement.caption) in printed, placement.cell.where


def test_wrapped_output_never_splits_a_number(built_pdf):
    """A long output line wraps at a space or after a comma, never inside a
    number (`[2.` at the end of one line, `0, 3.0]` on the next)."""
    raw = subprocess.run(
        ["pdftotext", str(built_pdf), "-"], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    continued = [
        (before, after)
        for before, after in pairwise(raw)
        if after.startswith(("\u21aa", ",\u2192"))
    ]  # the continuation mark
    split = [
        (before, after)
        for before, after in continued
        if re.search(r"[0-9][.]?$", before) and re.match(r"(\u21aa|,\u2192)[0-9.]", after)
    ]
    assert split == [], split


def test_pdf_title_page_shows_the_version_not_a_date(pdf_text, root):
    first_page = pdf_text.split("\f")[0]
    version = re.search(r'__version__ = "([^"]+)"', (root / "micrograd/__init__.py").read_text())
    assert f"Release {version.group(1)}" in first_page
    assert not re.search(r"\b(19|20)\d\d\b", first_page)


def test_every_figure_has_a_printable_form_and_reaches_the_pdf(book, built_pdf):
    """Each image a chapter shows on screen also exists as PDF or PNG, and the
    LaTeX source includes exactly that file (myst-nb names each image file by
    the SHA-256 of its bytes, so identical figures share one file)."""
    tex = (BUILD / "latex" / "micrograd-book.tex").read_text()
    included = set(re.findall(r"\\sphinxincludegraphics(?:\[[^]]*\])?\{\{([^}]+)\}", tex))
    figures = 0
    for where, cell, output in executed_outputs(book):
        if "remove-output" in cell["metadata"].get("tags", []):
            continue
        data = output.get("data", {})
        if not any(k.startswith("image/") or k == "application/pdf" for k in data):
            continue
        figures += 1
        printable = [m for m in PRINTABLE if m in data]
        assert printable, (where, sorted(data))
        raw = base64.b64decode(data[printable[0]])
        if printable[0] == "application/pdf":
            assert raw.startswith(b"%PDF"), where
        assert hashlib.sha256(raw).hexdigest() in included, where
    assert figures >= 6  # the plots and graphs of the first chapters


def test_every_moving_picture_prints_as_a_still_with_a_caption(book, pdf_text):
    """A moving picture (a `div.mgv` on screen) prints as its still, which
    the test above follows into the PDF, under a caption that says what the
    reader sees on screen and in print."""
    text = normalise(pdf_text).replace("\u2019", "'")  # LaTeX's apostrophes
    found = 0
    for where, cell, output in executed_outputs(book):
        data = output.get("data", {})
        if 'class="mgv"' not in "".join(data.get("text/html", "")):
            continue
        found += 1
        assert "application/pdf" in data, where
        caption = " ".join(cell["metadata"]["mystnb"]["figure"]["caption"].split())
        assert "In print" in caption and "On screen" in caption, where
        # The caption's first words reach the printed page.
        words = normalise(" ".join(caption.replace("`", "").split()[:6]))
        assert words in text, (where, words)
    assert found == sum(len(kinds) for kinds in FIGURE_PAGES.values())


def test_pdf_pages_render(built_pdf, tmp_path):
    subprocess.run(
        ["pdftoppm", "-r", "30", "-png", str(built_pdf), str(tmp_path / "page")], check=True
    )
    sizes = [p.stat().st_size for p in sorted(tmp_path.glob("page-*.png"))]
    assert len(sizes) >= 10
    # Most pages carry ink; only the backs of title and part pages are blank.
    blank = [size for size in sizes if size < 1500]
    assert len(blank) <= len(sizes) // 4, sizes


@pytest.mark.build
def test_figures_carry_a_fixed_date_so_two_builds_are_identical(book):
    """Cairo (Graphviz) and matplotlib stamp PDFs with a date; the build pins
    it to SOURCE_DATE_EPOCH (set by the Makefile), never the build time."""
    epoch = int(os.environ.get("SOURCE_DATE_EPOCH", "1767225600"))
    fixed = time.strftime("%Y%m%d%H%M%S", time.gmtime(epoch))
    checked = 0
    for where, _, output in executed_outputs(book):
        if "application/pdf" not in output.get("data", {}):
            continue
        pdf = base64.b64decode(output["data"]["application/pdf"])
        dates = re.findall(rb"/CreationDate \(D:(\d{14})", pdf)
        assert all(d.decode() == fixed for d in dates), (where, dates)
        checked += 1
    assert checked >= 6


def test_figures_and_exercises_are_numbered_in_their_chapter(pdf_text, book):
    """A chapter's figures and exercises carry its number (4.1, 5.2), and an
    appendix's its letter (A.1), in print as on the site (test_site)."""
    text = normalise(pdf_text)
    assert re.search(r"Fig\. 5\.1: The backward pass", text)
    appendix = text[text.index("Some figures in this book move") :]  # its first words
    assert re.search(r"Fig\. A\.1: ", appendix)
    assert re.search(r"Exercise A\.1\b", appendix)
    assert not re.search(r"(Fig\.|Exercise) \d+(\.\d+)?[:\s]", appendix)


def test_every_exercise_prints_its_hint_before_its_solution(pdf_text, book):
    """Each exercise, then its hint, then its solution: the PDF prints the
    hint the site folds (a ```{hint} before each solution, test_checks)."""
    exercises = sum(chapter.text.count("````{exercise-start}") for chapter in book.chapters)
    heads = [
        line.strip()
        for line in pdf_text.splitlines()
        if line.strip() == "Hint"
        or re.fullmatch(r"(Solution to )?Exercise [\dA]+\.\d+", line.strip())
    ]
    hints = [i for i, head in enumerate(heads) if head == "Hint"]
    assert len(hints) == exercises
    for i in hints:
        assert (
            heads[i - 1].startswith("Exercise ") and heads[i + 1] == f"Solution to {heads[i - 1]}"
        )
