"""The PDF as a book, with the package's version on its title page."""

from __future__ import annotations

import ast
from pathlib import Path

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.util.texescape import escape


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
        if caption and caption.lower() in ("appendix", "appendices"):
            # Chapters from here on are lettered: Appendix A, B, ...
            wrapper.insert(0, nodes.raw("", "\\appendix\n", format="latex"))
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


def drop_folded_code(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Print no folded code.

    On the site, a cell tagged `hide-input` shows its output and folds its
    code behind a toggle: code the reader may open, but need not read (the
    figure machinery, plumbing). Paper has no toggle, so the PDF shows the
    output alone, as the page does before the reader opens the code.
    """
    if app.builder.name != "latex":
        return
    for cell in list(doctree.findall(nodes.container)):
        if cell.get("nb_element") == "cell_code" and cell.get("hide_mode") in ("input", "all"):
            for part in list(cell.children):
                if isinstance(part, nodes.Element) and part.get("nb_element") == "cell_code_source":
                    cell.remove(part)


def setup(app: Sphinx) -> None:
    app.connect("config-inited", on_config_inited)
    app.connect("doctree-resolved", book_structure_for_latex)
    app.connect("doctree-resolved", drop_folded_code)
