"""The site's pages carry only what they use."""

from __future__ import annotations

import re

from sphinx.application import Sphinx

THEBE_CONFIG = re.compile(r'\s*<script type="text/x-thebe-config">.*?</script>', re.S)


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


def setup(app: Sphinx) -> None:
    app.connect("html-page-context", drop_thebe_assets)
