"""Sphinx side of tangling: captions, and which chapters must run again.

- Above every tangled cell, a caption says where its code lands in the
  package, e.g. `micrograd/engine.py — in class Value, after __mul__`, in the
  HTML pages and in the PDF alike.
- A chapter's outputs depend on its code cells and on what it runs against:
  the package as the chapters before it left it (see `tangle.kernel`). The
  latter is written into the chapter's hidden set-up cell as it is read, as a
  key, so that myst-nb's execution cache (keyed on the code cells) re-runs a
  chapter exactly when one of the two changes, and never for a prose edit.
- A chapter is re-read when what it depends on beyond its own file changes
  (that key, or its captions): Sphinx alone would only notice edits to it.
- myst-nb writes each chapter as it ran to `_build/jupyter_execute/`, but
  from its cache it writes the chapter without outputs; the outputs are put
  back from the cache, so that file is always the chapter as it ran.
- Problems in the chapters (see `tangle.tangler`) stop the build with the
  chapter and line to fix.
"""

from __future__ import annotations

import hashlib
import re
import weakref
from pathlib import Path

import nbformat
from docutils import nodes
from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from sphinx.util import logging

from tangle.book import SETUP_SCRIPT, Book
from tangle.errors import TangleError
from tangle.execute import run_stale_chapters
from tangle.kernel import chapter_key
from tangle.model import Placement
from tangle.tangler import Result, tangle_book

logger = logging.getLogger(__name__)


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
        + self.encode(node["target"])
        + "}}"
        + where
        + "}\\par\\nopagebreak[4]\\vspace{-0.6\\baselineskip}\n"
    )
    raise nodes.SkipNode


def visit_caption_text(self, node: tangle_caption) -> None:
    self.add_text(f"{node['target']} — {node['where']}\n")
    raise nodes.SkipNode


class Tangled:
    """The book tangled once per build, and what each chapter depends on."""

    def __init__(self, book: Book, result: Result) -> None:
        self.book = book
        self.result = result
        # Chapters without code run nothing, so they have no key.
        self.keys = {
            chapter.docname: chapter_key(book.root, result, chapter)
            for chapter in book.chapters
            if chapter.cells
        }
        captions: dict[str, hashlib._Hash] = {}
        for placement in result.placements:
            digest = captions.setdefault(placement.cell.chapter.docname, hashlib.sha256())
            digest.update(placement.caption.encode() + b"\0")
        # What makes a chapter's page stale beyond its own file.
        self.inputs = {
            doc: key + (captions[doc].hexdigest()[:16] if doc in captions else "")
            for doc, key in self.keys.items()
        }

    @classmethod
    def load(cls, root) -> Tangled:
        try:
            book = Book.load(root)
            return cls(book, tangle_book(book))
        except TangleError as error:
            raise ExtensionError(f"tangle: {error}") from None


# The book tangled, for each Sphinx application (one per build).
_TANGLED: weakref.WeakKeyDictionary[Sphinx, Tangled] = weakref.WeakKeyDictionary()


def tangled(app: Sphinx) -> Tangled:
    if app not in _TANGLED:
        _TANGLED[app] = Tangled.load(app.srcdir)
    return _TANGLED[app]


def on_builder_inited(app: Sphinx) -> None:
    _TANGLED.pop(app, None)
    tangled(app)


def stored_inputs(env) -> dict[str, str]:
    """What each chapter depended on when it was last read, kept in Sphinx's
    pickled environment so that the next build can compare."""
    if not hasattr(env, "tangle_inputs"):
        env.tangle_inputs = {}
    return env.tangle_inputs


def with_key(text: str, stem: str, key: str) -> str:
    """The chapter's text with `key` added to its set-up line."""
    line = re.compile(rf"^(%run {re.escape(SETUP_SCRIPT)} {re.escape(stem)})[ \t]*$", re.M)
    keyed, count = line.subn(rf"\g<1> {key}", text, count=1)
    if count != 1:
        raise ExtensionError(f"tangle: book/{stem}.md has no set-up line to key")
    return keyed


def on_source_read(app: Sphinx, docname: str, source: list[str]) -> None:
    state = tangled(app)
    if docname in state.keys:
        stem = docname.rsplit("/", 1)[-1]
        source[0] = with_key(source[0], stem, state.keys[docname])


def on_env_get_outdated(app, env, added, changed, removed):
    stored = stored_inputs(env)
    return [
        doc
        for doc, value in tangled(app).inputs.items()
        if doc in env.found_docs and stored.get(doc) != value
    ]


def on_env_purge_doc(app, env, docname):
    stored_inputs(env).pop(docname, None)


def on_doctree_read(app: Sphinx, doctree: nodes.document) -> None:
    env = app.env
    docname = env.docname
    state = tangled(app)
    if docname in state.inputs:
        stored_inputs(env)[docname] = state.inputs[docname]

    wanted: list[Placement] = [
        p for p in state.result.placements if p.cell.chapter.docname == docname
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


def restore_cached_outputs(app: Sphinx, doctree: nodes.document) -> None:
    """Give `_build/jupyter_execute/<chapter>.ipynb` its outputs when they
    came from the execution cache (myst-nb writes the notebook it read, not
    the one it merged with the cache)."""
    config = getattr(app.env, "mystnb_config", None)
    if config is None or config.execution_mode != "cache":
        return
    path = Path(config.output_folder, *f"{app.env.docname}.ipynb".split("/"))
    if not path.exists():
        return
    notebook = nbformat.read(path, as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    if not code or any(cell.get("outputs") for cell in code):
        return  # nothing to run, or it ran in this build
    from jupyter_cache import get_cache

    try:
        _, merged = get_cache(config.execution_cache_path).merge_match_into_notebook(notebook)
    except KeyError:
        return  # not in the cache: it did not run
    nbformat.write(merged, path)


def setup(app: Sphinx) -> dict:
    app.add_node(
        tangle_caption,
        html=(visit_caption_html, None),
        latex=(visit_caption_latex, None),
        text=(visit_caption_text, None),
    )
    app.connect("builder-inited", on_builder_inited)
    # After myst-nb has made its configuration (at the default priority).
    app.connect("builder-inited", run_stale_chapters, priority=900)
    app.connect("source-read", on_source_read)
    app.connect("env-get-outdated", on_env_get_outdated)
    app.connect("env-purge-doc", on_env_purge_doc)
    # After myst-nb has turned the notebook into cell containers.
    app.connect("doctree-read", on_doctree_read, priority=900)
    app.connect("doctree-read", restore_cached_outputs, priority=900)
    return {
        "version": "2",
        "parallel_read_safe": False,
        "parallel_write_safe": True,
        "env_version": 2,
    }
