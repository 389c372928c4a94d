"""No page shows a traceback.

A cell that raises stops the build (myst-nb's `raise_on_error`), but an
error inside a *display* does not: when an object's rich output fails (say,
a figure whose still cannot be drawn), IPython prints the traceback as the
cell's output and goes on. Such an output is a broken page that looks
built, so it becomes a warning, which fails the build.
"""

from __future__ import annotations

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)


def warn_on_tracebacks(app: Sphinx, doctree: nodes.document) -> None:
    for block in doctree.findall(nodes.literal_block):
        if "traceback" in block.get("classes", []):
            logger.warning(
                "a cell's output is a traceback (an error while displaying "
                "its result); fix the code that makes the output",
                location=block,
            )


def setup(app: Sphinx) -> None:
    app.connect("doctree-read", warn_on_tracebacks)
