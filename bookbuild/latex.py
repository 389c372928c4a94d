"""The PDF as a book, with the package's version on its title page; and
the appendices lettered, on paper and on the site alike."""

from __future__ import annotations

import ast
from pathlib import Path

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.util.texescape import escape

APPENDICES = ("appendix", "appendices")
APPENDIX = (
    "\\appendix\n"
    "\\renewcommand{\\thefigure}{\\thechapter.\\arabic{figure}}\n"
    "\\renewcommand{\\thetable}{\\thechapter.\\arabic{table}}\n"
)


def book_structure_for_latex(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Shape the one big LaTeX document like a book.

    Sphinx's LaTeX writer drops the part captions of the table of contents and
    turns the sections of the first page (our preface) into numbered
    chapters. Here the preface becomes an unnumbered chapter with unnumbered
    sections, and every part of _toc.yml starts with a `\\part` page.
    """
    if app.builder.name != "latex" or docname != app.config.root_doc:
        return
    if not any(doctree.findall(addnodes.start_of_file)):
        return  # not the assembled book
    captions = [
        toctree.get("caption") for toctree in app.env.get_doctree(docname).findall(addnodes.toctree)
    ]
    wrappers = [
        node for node in doctree.findall(nodes.compound) if "toctree-wrapper" in node["classes"]
    ]
    for wrapper, caption in zip(wrappers, captions, strict=True):
        if caption and caption.lower() in APPENDICES:
            # Chapters from here on are lettered: Appendix A, B, ...; and so
            # are their figures (Sphinx numbers them with \arabic{chapter}).
            wrapper.insert(0, nodes.raw("", APPENDIX, format="latex"))
        elif caption:
            wrapper.insert(0, nodes.raw("", f"\\part{{{escape(caption)}}}\n", format="latex"))
    root = next(doctree.findall(nodes.section), None)
    if root is None:
        return
    title = root[0].astext() if isinstance(root[0], nodes.title) else "Preface"
    root.insert(
        1,
        nodes.raw(
            "",
            (
                f"\\chapter*{{{escape(title)}}}\n"
                f"\\addcontentsline{{toc}}{{chapter}}{{{escape(title)}}}\n"
                f"\\markboth{{{escape(title)}}}{{{escape(title)}}}\n"
            ),
            format="latex",
        ),
    )
    for section in list(root.children):
        if isinstance(section, nodes.section):
            _unnumber(section, depth=0)


def _unnumber(section: nodes.section, depth: int) -> None:
    """Replace a preface section's title by an unnumbered LaTeX heading."""
    command = ("section", "subsection", "subsubsection")[min(depth, 2)]
    title = section[0]
    if isinstance(title, nodes.title):
        section.replace(
            title, nodes.raw("", f"\\{command}*{{{escape(title.astext())}}}\n", format="latex")
        )
    for child in list(section.children):
        if isinstance(child, nodes.section):
            _unnumber(child, depth + 1)


def letter_the_appendices(app: Sphinx, env) -> list[str]:
    """Number an appendix's figures and exercises A.1, A.2, ..., as its
    chapter is lettered on paper.

    The chapters of a numbered part number theirs 4.1, 4.2, ...; an
    appendix's part is not numbered (its chapters are no chapter 14), so
    Sphinx would number its figures and exercises 1, 2, ... (and LaTeX 1.1,
    1.2, ...), in one count with any other unnumbered page. Runs after
    Sphinx has assigned the numbers; returns the pages to write again.
    """
    toctrees = env.get_doctree(app.config.root_doc).findall(addnodes.toctree)
    appendices = [
        docname
        for toctree in toctrees
        if (toctree.get("caption") or "").lower() in APPENDICES
        for _title, docname in toctree["entries"]
    ]
    for letter, docname in zip("ABCDEFGHIJ", appendices, strict=False):
        for numbers in env.toc_fignumbers.get(docname, {}).values():  # one kind each
            for count, target in enumerate(numbers, start=1):  # in the page's order
                numbers[target] = (letter, count)
    return appendices


def on_config_inited(app: Sphinx, config) -> None:
    """The package version (from the chapters) names the release."""
    init = Path(app.srcdir) / "micrograd" / "__init__.py"
    version = ""
    if init.exists():
        for stmt in ast.parse(init.read_text(encoding="utf-8")).body:
            if (
                isinstance(stmt, ast.Assign)
                and len(stmt.targets) == 1
                and getattr(stmt.targets[0], "id", "") == "__version__"
            ):
                version = ast.literal_eval(stmt.value)
    config.version = config.release = version
    # The title page shows the version, never the build date.
    config.today = " "


# Folded code prints in smaller type (9 points under the book's 11).
FOLDED_START = "\\begingroup\\fvset{fontsize=\\footnotesize}\n"
FOLDED_END = "\\endgroup\n"


def print_folded_code(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Print folded code, in smaller type.

    On the site, a cell tagged `hide-input` shows its output and folds its
    code behind a toggle: code the reader may open, but need not read first
    (the figure machinery, code repeated from a chapter before). Paper has
    no toggle, and a reader who types the book in from paper needs that code
    too (a method the package keeps, a name given back to Python), so the
    PDF prints it, smaller, under its location caption if it goes into the
    package.
    """
    if app.builder.name != "latex":
        return
    for cell in list(doctree.findall(nodes.container)):
        if cell.get("nb_element") == "cell_code" and cell.get("hide_mode") in ("input", "all"):
            for part in list(cell.children):
                if isinstance(part, nodes.Element) and part.get("nb_element") == "cell_code_source":
                    index = cell.index(part)
                    cell.insert(index + 1, nodes.raw("", FOLDED_END, format="latex"))
                    cell.insert(index, nodes.raw("", FOLDED_START, format="latex"))


def setup(app: Sphinx) -> None:
    app.connect("config-inited", on_config_inited)
    # After Sphinx's own handler (priority 500), which assigns the numbers.
    app.connect("env-get-updated", letter_the_appendices, priority=900)
    app.connect("doctree-resolved", book_structure_for_latex)
    app.connect("doctree-resolved", print_folded_code)
