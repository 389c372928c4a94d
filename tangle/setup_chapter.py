"""The hidden first cell of every chapter runs this file, e.g.

    %run ../tangle/setup_chapter.py 02-value

so that the chapter executes against the package exactly as the chapters
before it left it, and with the book's plotting style. See tangle/kernel.py.
It also works when you run a chapter yourself in Jupyter from `book/`. (The
build adds a third word, a key that says what the chapter runs against; see
tangle/sphinx_ext.py.)
"""

import sys
from pathlib import Path

_root = Path(__file__).resolve().parents[1]
if str(_root) not in sys.path:
    # Appended, not prepended: `tangle` becomes importable, while `micrograd`
    # is pinned to the chapter's snapshot by kernel.setup below.
    sys.path.append(str(_root))

from myst_nb import glue  # noqa: E402,F401  (numbers in the prose come from code)

from tangle.kernel import add_to_class, setup  # noqa: E402,F401

# The build adds a key: what the chapter's cached outputs depend on.
if len(sys.argv) not in (2, 3):
    raise SystemExit("usage: %run ../tangle/setup_chapter.py <chapter name>")
setup(sys.argv[1], _root, *sys.argv[2:])
del sys, Path, _root, setup
