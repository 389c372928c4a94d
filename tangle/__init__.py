"""The literate toolchain: chapters in, package (and snapshots) out.

Reading and tangling, in the order the data flows:

- `tangle.book`: reads `_toc.yml` and the chapters' code cells.
- `tangle.tangler`: applies the tangled cells, in book order, to a model of
  the package (`tangle.model`), and records where each cell's code lands.
- `tangle.render`: turns the model into file text (header, pointers, checks).
- `tangle.package`: writes `micrograd/` and the snapshots; reports drift.

Using it:

- `python -m tangle` (`tangle.__main__`): the command line; `--help`.
- `tangle.kernel`: what a chapter's hidden first cell runs (through
  `tangle/setup_chapter.py`): the snapshot import hook and the plotting style.
- `tangle.sphinx_ext`: location captions, and which chapters must run again.
"""
