"""The site's pages carry only what they use, and say what they show."""

from __future__ import annotations

import re

from sphinx.application import Sphinx

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


def setup(app: Sphinx) -> None:
    app.connect("html-page-context", drop_thebe_assets)
    app.connect("html-page-context", name_toggles_by_their_text)
