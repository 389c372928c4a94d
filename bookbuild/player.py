"""One copy of the figures' player for the whole site.

A figure's output (`micrograd.figures.Figure`) carries the whole player
after its trace, so that it works alone: in a notebook, in a page saved
with `save_html`. The site does not need a copy per figure: every chapter
page loads one shared copy, `_static/micrograd-player.js` (written as the
build starts, from `player_script()`, so that the pages' links carry its
checksum), which the browser fetches once for all the pages, and the copies the figures carry are taken out of the pages' HTML.
The shared copy is deferred: it runs once the page is read, and draws every
figure in it. The notebooks keep their copies: they are made from the
executed chapters, not from the pages.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)

SHARED = "micrograd-player.js"  # in the site's _static/


@cache
def player() -> str | None:
    """The player, as the package makes it; None in a book without figures
    (the small books the tests build have no player)."""
    try:
        from micrograd.figures import player_script
    except ImportError:
        return None
    return player_script()


def share_the_player(app: Sphinx, pagename: str, templatename, context: dict, doctree) -> None:
    """A chapter page loads the shared player, and its figures do not carry
    their own (pages without a document, search and the index, need none)."""
    script = player()
    if script is None or doctree is None or "body" not in context:
        return
    body = context["body"].replace(f"<script>{script}</script>", "")
    if "microgradViz" in body:
        # An output made with another player, older or newer than the
        # package's: the page would run two players.
        logger.warning(
            f"{pagename}: a figure carries a player other than the one in "
            f"micrograd/figures/player/; build again, so that its chapter runs "
            f"again with the package's player",
            location=pagename,
        )
    context["body"] = body
    app.add_js_file(SHARED, loading_method="defer")


def write_the_player(app: Sphinx) -> None:
    script = player()
    if app.builder.format != "html" or script is None:
        return
    target = Path(app.outdir) / "_static" / SHARED
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(script, encoding="utf-8")


def setup(app: Sphinx) -> None:
    # Before bookbuild.pages filters the page's scripts (priority 500), so
    # that the filtered list holds the shared player too.
    app.connect("html-page-context", share_the_player, priority=400)
    app.connect("builder-inited", write_the_player)
