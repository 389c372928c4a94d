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
