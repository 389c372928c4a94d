"""Shared fixtures. The repository root is importable (tangle, micrograd)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

BUILD = ROOT / "_build"
HTML = BUILD / "html"
PDF = BUILD / "latex" / "micrograd-book.pdf"


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def built_site() -> Path:
    """The site `make book` built; the tests read it, never rebuild it."""
    if not (HTML / "index.html").exists():
        pytest.fail("no built site in _build/html: run `make book` (make test does)")
    return HTML


@pytest.fixture(scope="session")
def built_pdf() -> Path:
    if not PDF.exists():
        pytest.fail(f"no PDF at {PDF}: run `make book` (make test does)")
    return PDF
