"""Every chapter as a notebook that a reader downloads and runs anywhere.

The build already has each chapter as it ran, with the book's outputs
(myst-nb writes it to `_build/jupyter_execute/book/NN-slug.ipynb`). From it
and the chapter as `tangle.book` reads it, this module makes
`notebooks/NN-slug.ipynb` in the site, a notebook that opens in plain
Jupyter, JupyterLab, VS Code or Colab and runs top to bottom with nothing
but Python and pip:

- After the title, a short note and one code cell, visible, that installs
  what the chapter imports (`%pip`) and unpacks the `micrograd` package as
  the chapters before this one left it (the chapter's snapshot, embedded as
  a zip in base64; bookbuild/snapshots.py) into a folder next to the
  notebook, first on `sys.path`. `setup_source` writes that cell; it needs
  nothing from the repository.
- Hidden cells are dropped: the build's set-up cell, the asserts that keep
  the prose true, the glue that puts numbers into it. Folded cells become
  ordinary cells. (A chapter must not hide code that later visible cells
  need; the notebook tests would fail.)
- The MyST Markdown becomes the Markdown every Jupyter renders
  (bookbuild/markdown.py), and a solution's code cells fold.

Every problem is a warning naming chapter and line, which fails the build.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import nbformat
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.errors import ExtensionError
from sphinx.util import logging

from bookbuild.markdown import Converter, Glued
from bookbuild.snapshots import Files, package_source, requirements, snapshot_files, snapshot_zip
from tangle.book import Chapter, CodeCell

if TYPE_CHECKING:
    from tangle.sphinx_ext import Tangled

logger = logging.getLogger(__name__)

FOLDER = "notebooks"  # in the site: notebooks/NN-slug.ipynb
# The id of the notebook cell that holds the chapter's code cell N (its
# index among the chapter's code cells, hidden ones included, as a live
# page's data-live-cell): "code-N". A live page's "Download with your
# edits" puts the reader's code into the cells by it (live/edits.js).
CODE_ID = "code-"

Notebook = Any  # an nbformat.NotebookNode


# -- the first cell ----------------------------------------------------------


def setup_source(requirements: list[str], folder: str | None, archive: bytes | None) -> str:
    """The code of a notebook's set-up cell: install `requirements` with
    `%pip`, then `package_source` (when the chapters before made a package)."""
    lines = ["# Set-up: run this cell first (see the note above)."]
    if requirements:
        lines.append(f"%pip install --quiet {' '.join(requirements)}")
    source = "\n".join(lines) + "\n"
    if archive is not None and folder is not None:
        source += package_source(folder, archive)
    return source


def setup_note(
    requirements: list[str],
    chapter_title: str,
    owner: str | None,
    folder: str | None,
    repository: str,
) -> str:
    """The Markdown cell above the set-up cell: what it does, and why."""
    book = f"[*micrograd, the book*]({repository})" if repository else "*micrograd, the book*"
    parts = [
        f"This notebook is *{chapter_title}* from {book}, with the "
        f"outputs it had when the book was built. It runs in Jupyter, "
        f"JupyterLab, VS Code or Colab with nothing but Python (3.10 or "
        f"later) and pip. Run the next cell first."
    ]
    does = []
    if requirements:
        names = ", ".join(f"`{name}`" for name in requirements)
        does.append(f"installs what this chapter imports ({names}) with `%pip`")
    if folder:
        does.append(
            f"unpacks the `micrograd` package exactly as the chapters before "
            f"this one left it (at the end of *{owner}*) into the folder "
            f"`{folder}` next to this notebook, and makes `import micrograd` "
            f"use it: what you run is what you have read so far, not a later "
            f"version. The long line at its end is that package, zipped"
        )
    if does:
        parts.append("It " + "; it ".join(does) + ".")
    if "torch" in requirements:
        parts.append(
            "PyTorch is a large download: on Linux, pip's default build comes "
            "with its GPU libraries, several gigabytes. If PyTorch is already "
            "installed (as in Colab), the cell keeps it and downloads nothing."
        )
    if "graphviz" in requirements:
        parts.append(
            "Drawing graphs also needs Graphviz's `dot` program, which pip "
            "cannot install. Colab has it; elsewhere install Graphviz from "
            "your system's packages (for example `sudo apt install graphviz`, "
            "`brew install graphviz` or `conda install graphviz`)."
        )
    return "\n\n".join(parts)


def number_of(app: Sphinx, docname: str) -> str | None:
    """The chapter's number as the site shows it ("5"), if it has one."""
    numbers = getattr(app.env, "toc_secnumbers", {}).get(docname, {})
    number = numbers.get("")
    return ".".join(map(str, number)) if number else None


# -- the chapter as cells ------------------------------------------------------


def keeps(cell: CodeCell, warn: Callable[[str], None]) -> bool:
    """Whether a code cell of the chapter goes into the notebook."""
    if "remove-cell" in cell.tags:
        return False
    if "remove-input" in cell.tags:
        warn(
            f"{cell.where}: a cell whose code is hidden (remove-input) cannot "
            f"be shown in a notebook without its code; show or remove it"
        )
        return False
    return True


def convert(
    chapter: Chapter,
    executed: Notebook,
    *,
    converter: Converter,
    setup: list[Notebook],
) -> Notebook:
    """The reader's notebook of `chapter`, with the outputs of the chapter
    as it ran (`executed`); the `setup` cells go right after its title."""
    ran = [cell for cell in executed.cells if cell.cell_type == "code"]
    if len(ran) != len(chapter.cells):
        converter.warn(
            f"{chapter.path}: the build ran {len(ran)} code cells, the chapter "
            f"has {len(chapter.cells)}; build the book again"
        )
    outputs = [cell.outputs for cell in ran]  # of each code cell, hidden ones too
    cells: list[Notebook] = []
    ids: dict[int, str] = {}  # id(notebook cell) -> its id, for the chapter's code cells
    place = -1  # the index of the code cell among the chapter's
    for part in chapter.parts:
        if not isinstance(part, CodeCell):
            cells.extend(map(nbformat.v4.new_markdown_cell, converter.markdown(part.blocks)))
            continue
        place += 1
        ran_outputs = outputs.pop(0) if outputs else []
        if keeps(part, converter.warn):
            made = code_cells(part, ran_outputs, converter)
            ids[id(made[0])] = f"{CODE_ID}{place}"
            cells.extend(made)
    if converter.solution:
        converter.warn(f"{chapter.path}: a solution is never ended (solution-end)")
    # The set-up goes right after the chapter's title.
    titled = bool(cells) and cells[0].cell_type == "markdown" and cells[0].source.startswith("# ")
    cells[int(titled) : int(titled)] = setup
    notebook = nbformat.v4.new_notebook(
        cells=cells,
        metadata={
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
    )
    for index, cell in enumerate(notebook.cells):
        cell.id = ids.get(id(cell), f"cell-{index}")
    nbformat.validate(notebook)
    return notebook


def code_cells(cell: CodeCell, outputs: list[Any], converter: Converter) -> list[Notebook]:
    """A shown code cell with its outputs, and its figure's caption."""
    code = nbformat.v4.new_code_cell(cell.source)
    if "remove-output" not in cell.tags:
        code.outputs = [output for output in map(reader_output, outputs) if output is not None]
    if converter.solution:
        # Folded in JupyterLab and VS Code: try the exercise first.
        code.metadata["jupyter"] = {"source_hidden": True, "outputs_hidden": True}
        code.metadata["tags"] = ["solution"]
    caption = (cell.options.get("mystnb") or {}).get("figure", {}).get("caption")
    if not caption:
        return [code]
    text = converter.inline(" ".join(caption.split()), cell.fence_line)
    return [code, nbformat.v4.new_markdown_cell(f"*{text}*")]


def reader_output(output):
    """An output as the reader's notebook keeps it: without the PDF forms
    made for the printed book, and without execution counts (the cells
    before it were not all kept)."""
    output = nbformat.from_dict(json.loads(json.dumps(output)))
    if "execution_count" in output:
        output.execution_count = None
    if "data" in output:
        output.data.pop("application/pdf", None)
        if not output.data:
            return None
    return output


# -- the build -----------------------------------------------------------------


def repository_url(config: Config) -> str:
    """The book's repository, set once in _config.yml (`repository: url:`)."""
    return (config.html_theme_options or {}).get("repository_url", "") or ""


def chapter_notebooks(app: Sphinx) -> tuple[Tangled, list[Chapter]]:
    """The tangled book, and every chapter that gets a notebook: all but the
    preface (the root document), whose code draws the book's own structure
    from the repository."""
    from tangle.sphinx_ext import tangled

    state = tangled(app)
    root = app.config.root_doc
    return state, [chapter for chapter in state.book.chapters if chapter.docname != root]


def chapter_notebook(
    chapter: Chapter,
    executed_folder: Path,
    before: tuple[Chapter, dict[str, Any]] | None,
    data: Files,
    *,
    repository: str,
    converter: Converter,
) -> Notebook | None:
    """The reader's notebook of `chapter`, from the chapter as it ran in
    `executed_folder` and the package as the chapters before it left it
    (`before`: (owner, files) or None, from
    `tangle.tangler.Result.snapshot_before`) with the package `data`."""
    source = executed_folder / f"{chapter.docname}.ipynb"
    if not source.exists():
        converter.warn(f"{chapter.path}: the build has no executed notebook {source}")
        return None
    package: Files = {}
    owner = folder = None
    if before is not None:
        owner_chapter, files = before
        package = snapshot_files(files, data)
        owner = owner_chapter.title
        folder = f"micrograd-book/after-{owner_chapter.stem}"
    kept = [cell.source for cell in chapter.cells if "remove-cell" not in cell.tags]
    try:
        needs = requirements(kept, package)
    except (ValueError, SyntaxError) as error:
        converter.warn(f"{chapter.path}: {error}")
        return None
    setup = [
        nbformat.v4.new_markdown_cell(setup_note(needs, chapter.title, owner, folder, repository)),
        nbformat.v4.new_code_cell(
            setup_source(needs, folder, snapshot_zip(package) if package else None)
        ),
    ]
    executed = nbformat.read(source, as_version=4)
    return convert(chapter, executed, converter=converter, setup=setup)


def write_notebooks(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    from myst_nb.core.variables import format_plain_text

    from tangle.package import package_data

    state, chapters = chapter_notebooks(app)
    mystnb = getattr(app.env, "mystnb_config", None)
    if mystnb is None:
        raise ExtensionError("notebooks: myst-nb is not loaded, so no chapter ran")
    executed_folder = Path(mystnb.output_folder)
    target = Path(app.outdir) / FOLDER
    target.mkdir(parents=True, exist_ok=True)
    data = package_data(state.book.root)
    substitutions = dict(app.config.myst_substitutions or {})
    for chapter in chapters:

        def warn(message: str, where: str = chapter.path) -> None:
            logger.warning(f"notebooks: {message}", location=where)

        converter = Converter(
            Glued(executed_folder, chapter.docname),
            number_of(app, chapter.docname),
            substitutions,
            warn,
            format_plain_text,
            chapter.path,
        )
        notebook = chapter_notebook(
            chapter,
            executed_folder,
            state.result.snapshot_before(chapter),
            data,
            repository=repository_url(app.config),
            converter=converter,
        )
        if notebook is None:
            continue
        text = nbformat.writes(notebook) + "\n"
        path = target / f"{chapter.stem}.ipynb"
        if not path.exists() or path.read_text("utf-8") != text:
            path.write_text(text, encoding="utf-8")


def setup(app: Sphinx) -> None:
    app.connect("build-finished", write_notebooks)
