"""Every chapter as a notebook that a reader downloads and runs anywhere.

The build already has each chapter as it ran, with the book's outputs
(myst-nb writes it to `_build/jupyter_execute/book/NN-slug.ipynb`). From it
this module makes `notebooks/NN-slug.ipynb` in the site, a notebook that
opens in plain Jupyter, JupyterLab, VS Code or Colab and runs top to bottom
with nothing but Python and pip:

- After the title, a short note and one code cell, visible, that installs
  what the chapter imports (`%pip`) and unpacks the `micrograd` package as
  the chapters before this one left it (the chapter's snapshot, embedded as
  a zip in base64) into a folder next to the notebook, first on `sys.path`.
  `setup_source` writes that cell; it needs nothing from the repository.
- Hidden cells are dropped: the build's set-up cell, the asserts that keep
  the prose true, the glue that puts numbers into it. Folded cells become
  ordinary cells. (A chapter must not hide code that later visible cells
  need; the notebook tests would fail.)
- MyST becomes the Markdown every Jupyter renders: glued numbers become
  their text, admonitions become quotes (or `<details>` when they fold),
  exercises get their numbers, and solutions fold (`<details>`, and
  collapsed code cells where the front end supports it).

A construct the converter does not know is a warning, which fails the build:
the notebook would otherwise show raw MyST to the reader.
"""

from __future__ import annotations

import ast
import base64
import io
import json
import re
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import nbformat
from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from sphinx.util import logging

logger = logging.getLogger(__name__)

FOLDER = "notebooks"  # in the site: notebooks/NN-slug.ipynb

# What `import X` needs from pip, for the modules a chapter may import that
# are not in the standard library. A new one is a build error until it is
# added here (with the name pip knows it by).
PIP_NAMES = {
    "graphviz": "graphviz",
    "matplotlib": "matplotlib",
    "numpy": "numpy",
    "torch": "torch",
}
# These come with every Jupyter kernel.
WITH_JUPYTER = {"IPython", "ipykernel", "matplotlib_inline", "micrograd"}

# A fixed date for the files in the embedded zip: two builds, one notebook.
ZIP_DATE = (2026, 1, 1, 0, 0, 0)

Files = dict[str, bytes]  # path in the package ("micrograd/engine.py") -> bytes


# -- the first cell ----------------------------------------------------------


def snapshot_zip(files: Files) -> bytes:
    """The package files as a zip, the same bytes for the same files."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for path in sorted(files):
            info = zipfile.ZipInfo(path, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, files[path])
    return buffer.getvalue()


def snapshot_files(files, data: Files) -> Files:
    """A snapshot's files (path -> rendered file, from
    `tangle.tangler.Result.snapshot_before`) as bytes, with the package
    `data`: what the notebooks and the live pages unpack."""
    package = {path: rendered.text.encode("utf-8") for path, rendered in files.items()}
    package.update(data)
    return package


def imported_modules(source: str) -> set[str]:
    """Every module `source` imports, anywhere (functions too), by full name.
    Lines of IPython magics (`%...`, `!...`) are skipped."""
    code = "\n".join(
        "" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines()
    )
    found: set[str] = set()
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
            # `from micrograd import viz` imports micrograd.viz
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def requirements(sources: list[str], package: Files) -> list[str]:
    """What pip must install for code `sources` to run against `package`:
    the third-party modules they import, and those that the package modules
    they import import in turn. Raises ValueError for a module it cannot
    name for pip."""
    wanted: set[str] = set()
    seen: set[str] = set()
    todo = [module for source in sources for module in imported_modules(source)]
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        top = module.split(".")[0]
        if top == "micrograd":
            parts = module.split(".")
            for path in ("/".join(parts) + ".py", "/".join(parts) + "/__init__.py"):
                if path in package:
                    todo.extend(imported_modules(package[path].decode("utf-8")))
            if len(parts) > 1:
                todo.append("micrograd")
        elif top in sys.stdlib_module_names or top in WITH_JUPYTER:
            continue
        elif top in PIP_NAMES:
            wanted.add(PIP_NAMES[top])
        else:
            raise ValueError(
                f"the code imports {top!r}, which is not in the standard "
                f"library; add it to PIP_NAMES in bookbuild/notebooks.py with "
                f"the name pip installs it by"
            )
    return sorted(wanted)


def package_source(folder: str, archive: bytes) -> str:
    """Python that makes `import micrograd` find the package in `archive` (a
    zip, see `snapshot_zip`), unpacked into `folder`, and nothing else. It
    needs only the standard library, so any Python runs it: the notebooks'
    set-up cell, and a browser's (Pyodide) as well."""
    blob = base64.b64encode(archive).decode("ascii")
    return (
        "\n".join(
            [
                "import base64, io, pathlib, sys, zipfile",
                "",
                "",
                "def use_package(folder, blob):",
                '    """Unpack the package (a zip, in base64) into `folder`; import it',
                '    from there, and not from anywhere else."""',
                "    zipfile.ZipFile(io.BytesIO(base64.b64decode(blob))).extractall(folder)",
                "    sys.path.insert(0, str(pathlib.Path(folder).resolve()))",
                "    for name in [n for n in sys.modules if n.split('.')[0] == 'micrograd']:",
                "        del sys.modules[name]",
                "",
                "",
                "# The package micrograd as the chapters before this one left it.",
                f"use_package({folder!r}, '{blob}')",
            ]
        )
        + "\n"
    )


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


# -- MyST to Jupyter Markdown ------------------------------------------------

DIRECTIVE = re.compile(
    r"^(?P<indent>\s*)(?P<fence>`{3,}|:{3,})\{(?P<name>[\w:-]+)\}\s*(?P<arg>.*)$"
)
CODE_FENCE = re.compile(r"^\s*(?P<fence>`{3,}|~{3,})")
OPTION = re.compile(r"^\s*:(?P<key>[\w-]+):\s*(?P<value>.*)$")
TARGET = re.compile(r"^\s*\([\w.:-]+\)=\s*$")
ROLE = re.compile(r"\{(?P<name>[a-z][\w:-]*)\}`(?P<content>[^`]+)`")
SUBSTITUTION = re.compile(r"\{\{\s*(?P<name>\w+)\s*\}\}")
ADMONITIONS = {
    "note",
    "tip",
    "hint",
    "important",
    "warning",
    "caution",
    "attention",
    "danger",
    "error",
    "seealso",
}


class Converter:
    """Turns one chapter's cells, in order, into notebook cells.

    State runs across cells: exercises are numbered, and a solution spans
    Markdown and code cells from `solution-start` to `solution-end`.
    """

    def __init__(
        self,
        glue: dict[str, str],
        number: str | None,
        substitutions: dict[str, str],
        warn: Callable[[str], None],
        format_text: Callable[[str, str], str],
    ) -> None:
        self.glue = glue
        self.number = number  # "5" for chapter 5; None when unnumbered
        self.substitutions = substitutions
        self.warn = warn
        self.format_text = format_text
        self.exercises: dict[str, str] = {}  # label -> "Exercise 5.1"
        self.solution: str | None = None  # the open solution's title

    # Markdown cells -------------------------------------------------------

    def markdown(self, source: str) -> list[str]:
        """The Markdown cells for one MyST Markdown cell (a solution's
        start or end splits it)."""
        parts: list[tuple[str | None, list[str]]] = [(self.solution, [])]
        for kind, text in self.blocks(source.splitlines()):
            if kind == "solution-start":
                parts.append((text, []))
            elif kind == "solution-end":
                parts.append((None, []))
            elif kind == "replace-previous":
                if parts[-1][1]:
                    parts[-1][1].pop()
            else:
                parts[-1][1].append(text)
        cells = []
        for solution, lines in parts:
            text = "\n".join(lines).strip()
            text = re.sub(r"\n{3,}", "\n\n", text)
            if solution and text:
                text = f"<details>\n<summary><b>{solution}</b></summary>\n\n{text}\n\n</details>"
            if text:
                cells.append(text)
        self.solution = parts[-1][0]
        return cells

    def blocks(self, lines: list[str]):
        """(kind, text) pairs: ("text", a line of Markdown), or a solution's
        start (with its title) or end."""
        i = 0
        while i < len(lines):
            line = lines[i]
            directive = DIRECTIVE.match(line)
            fence = CODE_FENCE.match(line)
            if directive:
                end = self.closing(lines, i, directive["fence"])
                body = lines[i + 1 : end]
                options = {}
                while body and (option := OPTION.match(body[0])):
                    options[option["key"]] = option["value"].strip()
                    body = body[1:]
                yield from self.directive(
                    directive["name"], directive["arg"].strip(), options, body
                )
                i = end + 1
            elif fence:
                end = self.closing(lines, i, fence["fence"])
                for kept in lines[i : end + 1]:
                    yield "text", kept
                i = end + 1
            elif TARGET.match(line):
                i += 1
            elif (
                line.startswith(": ")
                and i > 0
                and lines[i - 1].strip()
                and (i < 2 or not lines[i - 2].strip())
            ):
                # A definition list (`term` then `: definition`): Jupyter's
                # Markdown has none, so it becomes a list item.
                yield "replace-previous", ""
                yield "text", f"- {self.inline(lines[i - 1])}: {self.inline(line[2:])}"
                i += 1
            else:
                yield "text", self.inline(line)
                i += 1

    def closing(self, lines: list[str], start: int, fence: str) -> int:
        for j in range(start + 1, len(lines)):
            stripped = lines[j].strip()
            if stripped and set(stripped) == {fence[0]} and len(stripped) >= len(fence):
                return j
        self.warn(f"a fence ({fence}) is never closed")
        return len(lines)

    def directive(self, name: str, arg: str, options: dict[str, str], body: list[str]):
        if name == "exercise-start":
            label = options.get("label", "")
            count = len(self.exercises) + 1
            title = f"Exercise {self.number}.{count}" if self.number else f"Exercise {count}"
            self.exercises[label] = title
            yield "text", f"### {title}" + (f": {self.inline(arg)}" if arg else "")
        elif name == "exercise-end":
            return
        elif name == "solution-start":
            exercise = self.exercises.get(arg)
            if exercise is None:
                self.warn(f"a solution for {arg!r}, which is no exercise before it")
            yield "solution-start", f"Solution to {exercise or 'the exercise'}"
        elif name == "solution-end":
            yield "solution-end", ""
        elif name in ("only", "tabularcolumns"):
            return  # a notebook is neither the site nor the PDF
        elif name == "admonition" or name in ADMONITIONS:
            title = self.inline(arg) if name == "admonition" else name.capitalize()
            inner = [text for kind, text in self.lines_of(body)]
            if "dropdown" in options.get("class", "").split():
                yield "text", f"<details>\n<summary><b>{title}</b></summary>\n"
                yield from (("text", line) for line in inner)
                yield "text", "\n</details>"
            else:
                yield "text", f"> **{title}**"
                yield "text", ">"
                yield from (("text", f"> {line}" if line.strip() else ">") for line in inner)
        else:
            self.warn(
                f"the directive {{{name}}} has no notebook form; "
                f"teach bookbuild/notebooks.py to convert it"
            )
            yield from self.lines_of(body)

    def lines_of(self, body: list[str]):
        out: list[tuple[str, str]] = []
        for kind, text in self.blocks(body):
            if kind == "replace-previous":
                if out:
                    out.pop()
            elif kind == "text":
                out.append((kind, text))
            else:
                self.warn("a solution inside another directive")
        return out

    def inline(self, line: str) -> str:
        def role(match: re.Match) -> str:
            name, content = match["name"], match["content"]
            if name == "glue:text" or name == "glue:":
                doc, sep, rest = content.rpartition("::")  # another chapter's
                key, _, spec = rest.partition(":")
                key = doc + sep + key
                if key not in self.glue:
                    self.warn(f"nothing is glued as {key!r}")
                    return match[0]
                return self.format_text(self.glue[key], spec)
            self.warn(
                f"the role {{{name}}} has no notebook form; teach "
                f"bookbuild/notebooks.py to convert it"
            )
            return f"`{content}`"

        def substitution(match: re.Match) -> str:
            name = match["name"]
            if name not in self.substitutions:
                self.warn(f"no substitution named {name!r}")
                return match[0]
            return str(self.substitutions[name])

        return SUBSTITUTION.sub(substitution, ROLE.sub(role, line))

    # Code cells -----------------------------------------------------------

    def keeps(self, cell) -> bool:
        """Whether a code cell of the chapter goes into the notebook."""
        tags = cell.metadata.get("tags", [])
        if "remove-cell" in tags:
            return False
        if "remove-input" in tags:
            self.warn(
                "a cell whose code is hidden (remove-input) cannot be "
                "shown in a notebook without its code; show or remove it"
            )
            return False
        return True


def number_of(app: Sphinx, docname: str) -> str | None:
    """The chapter's number as the site shows it ("5"), if it has one."""
    numbers = getattr(app.env, "toc_secnumbers", {}).get(docname, {})
    number = numbers.get("")
    return ".".join(map(str, number)) if number else None


class Glued(dict):
    """The numbers a chapter glued, by key (text/plain), as the build saved
    them beside the chapter as it ran; `other.md::key` is a number another
    chapter glued (myst-nb's syntax: the other chapter's file, relative to
    this one's folder)."""

    def __init__(self, folder: Path, docname: str) -> None:
        super().__init__(self.read(folder / f"{docname}.glue.json"))
        self.folder = folder / Path(docname).parent

    @staticmethod
    def read(path: Path) -> dict[str, str]:
        if not path.exists():
            return {}
        return {
            key: output.get("data", {}).get("text/plain", "")
            for key, output in json.loads(path.read_text("utf-8")).items()
        }

    def __missing__(self, key: str) -> str:
        doc, sep, name = key.partition("::")
        glued = self.read(self.folder / f"{Path(doc).stem}.glue.json") if sep else {}
        if name not in glued:
            raise KeyError(key)
        return glued[name]

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str):
            return False
        try:
            self[key]
        except KeyError:
            return False
        return True


def convert(
    executed,
    *,
    glue: dict[str, str],
    number: str | None,
    setup: list,
    substitutions: dict[str, str],
    warn: Callable[[str], None],
    format_text: Callable[[str, str], str],
):
    """The reader's notebook from the chapter as it ran (`executed`); the
    `setup` cells go right after the chapter's title."""
    converter = Converter(glue, number, substitutions, warn, format_text)
    cells = []
    for cell in executed.cells:
        if cell.cell_type == "markdown":
            for text in converter.markdown(cell.source):
                cells.append(nbformat.v4.new_markdown_cell(text))
            continue
        if cell.cell_type != "code" or not converter.keeps(cell):
            continue
        code = nbformat.v4.new_code_cell(cell.source)
        if "remove-output" not in cell.metadata.get("tags", []):
            code.outputs = [
                output for output in map(reader_output, cell.outputs) if output is not None
            ]
        if converter.solution:
            # Folded in JupyterLab and VS Code: try the exercise first.
            code.metadata["jupyter"] = {"source_hidden": True, "outputs_hidden": True}
            code.metadata["tags"] = ["solution"]
        cells.append(code)
        caption = (cell.metadata.get("mystnb") or {}).get("figure", {}).get("caption")
        if caption:
            cells.append(
                nbformat.v4.new_markdown_cell(
                    "*" + converter.inline(" ".join(caption.split())) + "*"
                )
            )
    if converter.solution:
        warn("a solution is never ended (solution-end)")
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
        cell.id = f"cell-{index}"
    nbformat.validate(notebook)
    return notebook


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


def repository_url(app: Sphinx) -> str:
    """The book's repository, set once in _config.yml (`repository: url:`)."""
    return (app.config.html_theme_options or {}).get("repository_url", "") or ""


def chapter_notebooks(app: Sphinx):
    """(chapter, docname) for every chapter that gets a notebook: all but the
    preface (the root document), whose code draws the book's own structure
    from the repository."""
    from tangle.sphinx_ext import tangled

    state = tangled(app)
    root = app.config.root_doc
    return state, [chapter for chapter in state.book.chapters if chapter.docname != root]


def chapter_notebook(
    chapter,
    executed_folder: Path,
    before,
    data: Files,
    *,
    repository: str,
    number: str | None,
    substitutions: dict[str, str],
    warn: Callable[[str], None],
    format_text: Callable[[str, str], str],
):
    """The reader's notebook of `chapter` (a `tangle.book.Chapter`), from
    the chapter as it ran in `executed_folder` and the package as the
    chapters before it left it (`before`: (owner, files) or None, from
    `tangle.tangler.Result.snapshot_before`) with the package `data`."""
    source = executed_folder / f"{chapter.docname}.ipynb"
    if not source.exists():
        warn(f"the build has no executed notebook {source}")
        return None
    executed = nbformat.read(source, as_version=4)
    glue = Glued(executed_folder, chapter.docname)
    package: Files = {}
    owner = folder = None
    if before is not None:
        owner_chapter, files = before
        package = snapshot_files(files, data)
        owner = owner_chapter.title
        folder = f"micrograd-book/after-{owner_chapter.stem}"
    kept = [
        cell.source
        for cell in executed.cells
        if cell.cell_type == "code" and "remove-cell" not in cell.metadata.get("tags", [])
    ]
    try:
        needs = requirements(kept, package)
    except (ValueError, SyntaxError) as error:
        warn(str(error))
        return None
    setup = [
        nbformat.v4.new_markdown_cell(setup_note(needs, chapter.title, owner, folder, repository)),
        nbformat.v4.new_code_cell(
            setup_source(needs, folder, snapshot_zip(package) if package else None)
        ),
    ]
    return convert(
        executed,
        glue=glue,
        number=number,
        setup=setup,
        substitutions=substitutions,
        warn=warn,
        format_text=format_text,
    )


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
        where = chapter.path

        def warn(message: str, where=where) -> None:
            logger.warning(f"notebooks: {where}: {message}", location=where)

        notebook = chapter_notebook(
            chapter,
            executed_folder,
            state.result.snapshot_before(chapter),
            data,
            repository=repository_url(app),
            number=number_of(app, chapter.docname),
            substitutions=substitutions,
            warn=warn,
            format_text=format_plain_text,
        )
        if notebook is None:
            continue
        text = nbformat.writes(notebook) + "\n"
        path = target / f"{chapter.stem}.ipynb"
        if not path.exists() or path.read_text("utf-8") != text:
            path.write_text(text, encoding="utf-8")


def link_context(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """What the page templates link to: the chapter's notebook (if it has
    one), the PDF and the repository (book/_templates/book-links.html)."""
    _, chapters = chapter_notebooks(app)
    stems = {chapter.docname: chapter.stem for chapter in chapters}
    pathto = context["pathto"]
    context["book_notebook"] = (
        pathto(f"{FOLDER}/{stems[pagename]}.ipynb", 1) if pagename in stems else ""
    )
    context["book_notebook_name"] = f"{stems[pagename]}.ipynb" if pagename in stems else ""
    context["book_pdf"] = pathto("micrograd-book.pdf", 1)
    context["book_repository"] = repository_url(app)


def add_substitutions(app: Sphinx, config) -> None:
    """`{{ repository }}` in a chapter: a link to the book's repository."""
    url = (config.html_theme_options or {}).get("repository_url", "")
    if url:
        shown = url.split("://", 1)[-1]
        config.myst_substitutions = {
            **(config.myst_substitutions or {}),
            "repository": f"[{shown}]({url})",
        }


def setup(app: Sphinx) -> None:
    app.connect("config-inited", add_substitutions)
    app.connect("html-page-context", link_context)
    app.connect("build-finished", write_notebooks)
