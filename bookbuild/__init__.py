"""Sphinx extensions that shape the site and the PDF (tangling is elsewhere,
in `tangle.sphinx_ext`).

- `bookbuild.latex`: the PDF is a book: part pages, an unnumbered preface,
  lettered appendices, the package's version on the title page, and folded
  code printed in smaller type (paper has no toggle).
- `bookbuild.pages`: the site's pages load nothing they do not use (Jupyter
  Book's live-code assets), so they make no network request and log no
  console error; each page's header links the chapter's notebook, the PDF
  and the book's repository.
- `bookbuild.outputs`: no page shows a traceback (an error while displaying
  a cell's result stops the build, as an error in the cell does).
- `bookbuild.notebooks`: every chapter as a notebook the reader downloads
  and runs anywhere (`notebooks/NN-slug.ipynb` in the site); its Markdown
  comes from `bookbuild.markdown` (MyST as plain Jupyter Markdown), its
  package from `bookbuild.snapshots` (a chapter's package as a zip, and
  what pip must install for it), which the live pages use too.
- `bookbuild.live`: every chapter's code runs and can be edited in the
  reader's browser (Pyodide), switched on by a button in the page header.
- `bookbuild.checks`: the checks written next to exercises that ask for
  code, run against the solution at every build and by the live pages'
  Check button against the reader's code.
- `bookbuild.player`: one copy of the figures' player for the whole site,
  which every chapter page loads, instead of one in every figure.
- `bookbuild.prose`: mistakes in the prose a rule can find (a colon that
  leads into nothing, a chapter named by a title no chapter has), as
  warnings with chapter and line.
"""

from __future__ import annotations

from sphinx.application import Sphinx

from bookbuild import checks, latex, live, notebooks, outputs, pages, player, prose


def setup(app: Sphinx) -> dict:
    checks.setup(app)
    latex.setup(app)
    live.setup(app)
    notebooks.setup(app)
    outputs.setup(app)
    pages.setup(app)
    player.setup(app)
    prose.setup(app)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
