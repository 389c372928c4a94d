"""The site's pages carry only what they use, say what they show, and link
the chapter's notebook, the PDF and the book's repository."""

from __future__ import annotations

import re

from sphinx.application import Sphinx

from bookbuild.notebooks import FOLDER, chapter_notebooks, repository_url

THEBE_CONFIG = re.compile(r'\s*<script type="text/x-thebe-config">.*?</script>', re.S)
# myst-nb names the toggle of a folded cell "Toggle hidden content" while it
# shows "Show code cell source": a screen reader's user who says what they
# see ("click Show code cell source") would not find it (axe-core:
# label-content-name-mismatch). Without the label, its name is its text.
TOGGLE_LABEL = '<summary aria-label="Toggle hidden content">'


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


def name_toggles_by_their_text(app, pagename, templatename, context, doctree) -> None:
    if "body" in context:
        context["body"] = context["body"].replace(TOGGLE_LABEL, "<summary>")


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
    context["book_repository"] = repository_url(app.config)


def add_substitutions(app: Sphinx, config) -> None:
    """`{{ repository }}` in a chapter: a link to the book's repository."""
    url = repository_url(config)
    if url:
        shown = url.split("://", 1)[-1]
        config.myst_substitutions = {
            **(config.myst_substitutions or {}),
            "repository": f"[{shown}]({url})",
        }


def setup(app: Sphinx) -> None:
    app.connect("config-inited", add_substitutions)
    app.connect("html-page-context", link_context)
    app.connect("html-page-context", drop_thebe_assets)
    app.connect("html-page-context", name_toggles_by_their_text)
