"""The literate toolchain: chapters in, package (and snapshots) out.

- `tangle.book`: reads `_toc.yml` and the chapters' code cells.
- `tangle.tangler`: turns tangled cells into the `micrograd` package.
- `tangle.setup_chapter`: the hidden first cell of every chapter runs it.
- `tangle.sphinx_ext`: location captions and build checks for Sphinx.

Run `python -m tangle --help` for the command line.
"""
