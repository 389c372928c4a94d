"""Sphinx side of the toolchain.

- Above every tangled cell, a caption says where its code lands in the
  package, e.g. `micrograd/engine.py — in class Value, after __mul__`, in the
  HTML pages and in the PDF alike.
- A chapter is re-read (and so re-executed) whenever what it runs against
  changes: the package as the chapters before it leave it, or its captions.
  Sphinx alone would only notice changes to the chapter's own file.
- Problems in the chapters (see tangle.tangler) stop the build with the
  chapter and line to fix.
"""

from __future__ import annotations

import ast
import hashlib
import re
from pathlib import Path
from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from sphinx.util import logging

from tangle.book import Book
from tangle.errors import TangleError
from tangle.tangler import Placement, Result, fingerprint, package_data, tangle_book

logger = logging.getLogger(__name__)
THEBE_CONFIG = re.compile(r'\s*<script type="text/x-thebe-config">.*?</script>', re.S)


class tangle_caption(nodes.General, nodes.Element):
    """`micrograd/engine.py — in class Value, after __mul__`."""


def visit_caption_html(self, node: tangle_caption) -> None:
    escape = self.encode
    where = f' <span class="tangle-where">— {escape(node["where"])}</span>' if node["where"] else ""
    self.body.append(
        f'<div class="tangle-caption" role="note" aria-label="Where this code goes">'
        f'<span class="tangle-file">{escape(node["target"])}</span>{where}</div>'
    )
    raise nodes.SkipNode


def visit_caption_latex(self, node: tangle_caption) -> None:
    where = f" \u2014 {self.encode(node['where'])}" if node["where"] else ""
    # Keep the caption on the same page as (the start of) its code.
    self.body.append(
        "\n\\par\\needspace{5\\baselineskip}"
        "\\noindent{\\small\\sffamily\\textbf{\\texttt{"
        + self.encode(node["target"]) + "}}" + where
        + "}\\par\\nopagebreak[4]\\vspace{-0.6\\baselineskip}\n"
    )
    raise nodes.SkipNode


def visit_caption_text(self, node: tangle_caption) -> None:
    self.add_text(f"{node['target']} — {node['where']}\n")
    raise nodes.SkipNode


def _result(app: Sphinx) -> Result:
    """Tangle the book once per build."""
    if getattr(app, "_tangle_result", None) is None:
        try:
            book = Book.load(app.srcdir)
            app._tangle_book = book
            app._tangle_result = tangle_book(book)
        except TangleError as error:
            raise ExtensionError(f"tangle: {error}") from None
    return app._tangle_result


def _chapter_inputs(app: Sphinx) -> dict[str, str]:
    """docname -> fingerprint of what the chapter depends on beyond itself
    (computed once per build, like the tangle result it comes from)."""
    cached = getattr(app, "_tangle_inputs", None)
    if cached is not None and getattr(app, "_tangle_inputs_of", None) is _result(app):
        return cached
    app._tangle_inputs = _compute_chapter_inputs(app)
    app._tangle_inputs_of = _result(app)
    return app._tangle_inputs


def _compute_chapter_inputs(app: Sphinx) -> dict[str, str]:
    result = _result(app)
    book: Book = app._tangle_book
    by_doc: dict[str, hashlib._Hash] = {}
    # The package's data files (the figures' JavaScript) are in every
    # snapshot, and figures inline them into the pages.
    data = hashlib.sha256()
    for path, content in package_data(book.root).items():
        data.update(path.encode() + b"\0" + content + b"\0")
    for chapter in book.chapters:
        digest = hashlib.sha256()
        before = result.snapshot_before(chapter)
        digest.update(fingerprint(before[1]).encode() if before else b"-")
        if before:
            digest.update(data.digest())
        by_doc[chapter.docname] = digest
    for placement in result.placements:
        by_doc[placement.cell.chapter.docname].update(placement.caption.encode())
    return {doc: digest.hexdigest()[:16] for doc, digest in by_doc.items()}


def on_builder_inited(app: Sphinx) -> None:
    app._tangle_result = None
    _result(app)


def on_env_get_outdated(app, env, added, changed, removed):
    stored = getattr(env, "tangle_inputs", {})
    current = _chapter_inputs(app)
    stale = [doc for doc, value in current.items()
             if doc in env.found_docs and stored.get(doc) != value]
    return stale


def on_env_purge_doc(app, env, docname):
    getattr(env, "tangle_inputs", {}).pop(docname, None)


def on_doctree_read(app: Sphinx, doctree: nodes.document) -> None:
    env = app.env
    docname = env.docname
    inputs = _chapter_inputs(app)
    if not hasattr(env, "tangle_inputs"):
        env.tangle_inputs = {}
    if docname in inputs:
        env.tangle_inputs[docname] = inputs[docname]

    wanted: list[Placement] = [
        p for p in _result(app).placements if p.cell.chapter.docname == docname
    ]
    # A list first: inserting captions while walking the tree would revisit cells.
    for container in list(doctree.findall(nodes.container)):
        if container.get("nb_element") != "cell_code":
            continue
        if "tangle" not in (container.get("cell_metadata") or {}):
            continue
        blocks = list(container.findall(nodes.literal_block))
        source = blocks[0].astext().strip() if blocks else None
        match = next((p for p in wanted if p.cell.source.strip() == source), None)
        if match is None:
            logger.warning(
                "tangle: no location caption for a tangled cell (is its code "
                "hidden? tangled code must be shown to the reader)",
                location=container,
            )
            continue
        wanted.remove(match)
        caption = tangle_caption(target=match.target, where=match.where)
        # Just before the cell, not inside it: myst-nb folds a `hide-input`
        # cell only if the cell's first child is its code.
        parent = container.parent
        parent.insert(parent.index(container), caption)
    for placement in wanted:
        logger.warning(
            f"tangle: the tangled cell at {placement.cell.where} was not "
            f"rendered, so the reader never sees its code",
            location=(docname, placement.cell.fence_line),
        )


def drop_thebe_assets(app, pagename, templatename, context, doctree) -> None:
    """Jupyter Book always loads sphinx-thebe, which adds its settings script
    twice (a console error) and names a CDN. The book runs no live code, so
    its pages carry none of it."""
    def is_thebe(asset) -> bool:
        text = f"{asset} {getattr(asset, 'attributes', {}).get('body', '')}"
        return "thebe" in text.lower()

    for key in ("script_files", "css_files"):
        if key in context:
            context[key] = [asset for asset in context[key] if not is_thebe(asset)]
    if "body" in context:
        context["body"] = THEBE_CONFIG.sub("", context["body"])


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
        toctree.get("caption") for toctree in
        app.env.get_doctree(docname).findall(addnodes.toctree)
    ]
    wrappers = [
        node for node in doctree.findall(nodes.compound)
        if "toctree-wrapper" in node["classes"]
    ]
    for wrapper, caption in zip(wrappers, captions):
        if caption and caption.lower() in ("appendix", "appendices"):
            # Chapters from here on are lettered: Appendix A, B, ...
            wrapper.insert(0, nodes.raw("", "\\appendix\n", format="latex"))
        elif caption:
            wrapper.insert(0, nodes.raw("", f"\\part{{{_latex_escape(caption)}}}\n",
                                        format="latex"))
    root = next(doctree.findall(nodes.section), None)
    if root is None:
        return
    title = root[0].astext() if isinstance(root[0], nodes.title) else "Preface"
    root.insert(1, nodes.raw("", (
        f"\\chapter*{{{_latex_escape(title)}}}\n"
        f"\\addcontentsline{{toc}}{{chapter}}{{{_latex_escape(title)}}}\n"
        f"\\markboth{{{_latex_escape(title)}}}{{{_latex_escape(title)}}}\n"
    ), format="latex"))
    for section in list(root.children):
        if isinstance(section, nodes.section):
            _unnumber(section, depth=0)


def _unnumber(section: nodes.section, depth: int) -> None:
    """Replace a preface section's title by an unnumbered LaTeX heading."""
    command = ("section", "subsection", "subsubsection")[min(depth, 2)]
    title = section[0]
    if isinstance(title, nodes.title):
        section.replace(title, nodes.raw(
            "", f"\\{command}*{{{_latex_escape(title.astext())}}}\n", format="latex"))
    for child in list(section.children):
        if isinstance(child, nodes.section):
            _unnumber(child, depth + 1)


def _latex_escape(text: str) -> str:
    from sphinx.util.texescape import escape

    return escape(text)


def on_config_inited(app: Sphinx, config) -> None:
    """The package version (from the chapters) names the release."""
    init = Path(app.srcdir) / "micrograd" / "__init__.py"
    version = ""
    if init.exists():
        for stmt in ast.parse(init.read_text(encoding="utf-8")).body:
            if (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1
                    and getattr(stmt.targets[0], "id", "") == "__version__"):
                version = ast.literal_eval(stmt.value)
    config.version = config.release = version
    # The title page shows the version, never the build date.
    config.today = " "


def setup(app: Sphinx) -> dict:
    app.add_node(
        tangle_caption,
        html=(visit_caption_html, None),
        latex=(visit_caption_latex, None),
        text=(visit_caption_text, None),
    )
    app.connect("builder-inited", on_builder_inited)
    app.connect("env-get-outdated", on_env_get_outdated)
    app.connect("env-purge-doc", on_env_purge_doc)
    # After myst-nb has turned the notebook into cell containers.
    app.connect("doctree-read", on_doctree_read, priority=900)
    app.connect("html-page-context", drop_thebe_assets)
    app.connect("doctree-resolved", book_structure_for_latex)
    app.connect("config-inited", on_config_inited)
    return {"version": "1", "parallel_read_safe": False, "parallel_write_safe": True,
            "env_version": 1}
