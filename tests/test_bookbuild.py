"""The Sphinx extensions that shape the products (bookbuild/), on small
books built for the purpose; the real book's site and PDF are checked in
test_site.py and test_pdf.py."""

from __future__ import annotations

import pytest


@pytest.mark.build
def test_an_output_that_fails_to_display_stops_the_build(toy, tmp_path):
    """An error inside `display()` does not fail its cell: IPython prints
    the traceback as the output and goes on. The build must still stop."""
    broken = (
        "from IPython.display import display\n\n\n"
        "class Broken:\n"
        "    def _repr_html_(self):\n"
        "        raise ValueError('cannot draw this')\n\n\n"
        "display(Broken())"
    )
    build = toy.build({"01-a": toy.chapter("01-a", "A", toy.cell(broken))})
    assert build.returncode != 0
    assert "a cell's output is a traceback" in build.stdout + build.stderr


@pytest.mark.build
def test_a_book_without_errors_builds(toy, tmp_path):
    """The same small book, working, builds: the failure above is the
    traceback's, not the set-up's."""
    build = toy.build({"01-a": toy.chapter("01-a", "A", toy.cell("2 + 2"))})
    assert build.returncode == 0, build.stdout[-2000:] + build.stderr[-2000:]
    assert (toy.site / "_build/html/book/01-a.html").exists()


def stopped_with_warning(toy, chapter: str, at: str, warning: str) -> str:
    """Build a toy book of one chapter, 01-a; check that the build stopped
    with `warning` at the chapter's line that holds `at`; return its log."""
    build = toy.build({"01-a": chapter})
    log = build.stdout + build.stderr
    assert build.returncode != 0
    line = toy.line_of("01-a", at)
    assert f"book/01-a.md:{line}: WARNING: {warning}" in log, log[-3000:]
    return log


@pytest.mark.build
def test_a_sentence_leading_with_a_colon_into_nothing_stops_the_build(toy):
    """A colon before a heading (what followed it is hidden, or was never
    written) is caught, naming the chapter and line; one before code is
    fine."""
    chapter = toy.chapter(
        "01-a",
        "A",
        "\nHere is the code:\n",
        toy.cell("2 + 2"),
        "\nAnd here is the rest:\n",
        toy.cell("'hidden'", tags="[remove-cell]"),
        "\n## Next\n\nMore.\n",
    )
    log = stopped_with_warning(
        toy, chapter, "And here is the rest:", "a sentence ends with a colon"
    )
    assert "Here is the code:" not in log


@pytest.mark.build
def test_a_chapter_named_by_a_title_no_chapter_has_stops_the_build(toy):
    chapter = toy.chapter(
        "01-a", "A", "\nAs the chapter *A* showed, and the chapter *The\nlecture* did not.\n"
    )
    log = stopped_with_warning(toy, chapter, "As the chapter", "the chapter *The lecture* is named")
    assert "*A* is named" not in log


@pytest.mark.build
def test_a_number_an_output_shows_typed_into_the_prose_stops_the_build(toy):
    """A decimal an output shows is glued, not typed: typed, it is caught;
    glued, given to the code, or in a formula, it is not."""
    chapter = toy.chapter(
        "01-a",
        "A",
        toy.cell(
            "from myst_nb import glue\nglue('loss', round(0.71349, 4), display=False)\n"
            "print(round(0.71349, 4))\nbias = 6.8813\nprint(bias)"
        ),
        "\nThe loss is 0.7135, glued {glue:text}`loss`; the bias 6.8813 is given;"
        " $3 \\cdot 0.23783 = 0.7135$.\n",
    )
    log = stopped_with_warning(toy, chapter, "The loss is", "0.7135 is typed into the prose")
    assert log.count("is typed into the prose") == 1
