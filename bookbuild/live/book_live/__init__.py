"""The live pages' Python: what runs in the reader's browser, in Pyodide.

The site ships this package as one archive, `_static/live/book_live.zip`
(bookbuild/live.py, `runtime_zip`); the worker (worker.mjs) unpacks it
beside the chapter's package and imports from it once:

- `runner`: runs a cell as Jupyter would, the Check button's checks, and
  your own expression's figure;
- `expression`: your own expression (chapter 5), in words when it is wrong;
- `pyplot` and `plot_svg`: the part of matplotlib's pyplot the chapters
  use, drawn as SVG from the reader's numbers (the page's `matplotlib`);
- `check_runner`: the exercises' checks, said in words. It is shipped from
  bookbuild/check_runner.py, which the build also runs natively against
  every solution: one file, in both places;
- `loop`: the live Loop (chapter 11), with its settings in
  `loop_settings.json`, a table the page also gets.

Standard library only, and the package of the chapter it runs beside.
"""
